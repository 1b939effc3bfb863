// tests/cpp/corpus/pipeline_test.cpp: parallel candidate ranges through the example pipeline.
#include "scmforge/corpus/pipeline.hpp"

#include <gtest/gtest.h>

#include "scmforge/prior/config.hpp"
#include "scmforge/prior/generator.hpp"

namespace scmforge::corpus {
namespace {

TEST(CorpusPipeline, RangesAreThreadIndependentAndAddUp) {
  const prior::PriorGenerator generator(prior::preset("metatree"), 3);
  const ExampleConfig config;
  PipelineStats one, two, halves;
  const auto a = make_examples(generator, config, 100, 80, 1, &one);
  const auto b = make_examples(generator, config, 100, 80, 2, &two);
  auto c = make_examples(generator, config, 100, 40, 2, &halves);
  const auto d = make_examples(generator, config, 140, 40, 1, &halves);
  c.insert(c.end(), d.begin(), d.end());
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.size(), c.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].data.id, b[i].data.id);
    EXPECT_EQ(a[i].y_noisy, b[i].y_noisy);
    EXPECT_EQ(a[i].data.x, c[i].data.x);
    EXPECT_EQ(a[i].target.threshold, c[i].target.threshold);
    if (i > 0) {
      EXPECT_LT(a[i - 1].data.id, a[i].data.id);  // id order
    }
  }
  for (const PipelineStats* s : {&one, &two, &halves}) {
    EXPECT_EQ(s->candidates, 80);
    EXPECT_EQ(s->accepted, static_cast<std::int64_t>(a.size()));
    std::int64_t rejected = 0;
    for (const auto r : s->rejections) rejected += r;
    EXPECT_EQ(s->accepted + rejected, 80);
  }
  EXPECT_EQ(one.rejections, halves.rejections);
}

}  // namespace
}  // namespace scmforge::corpus

namespace scmforge::corpus {
namespace {

TEST(CorpusPipeline, MaxAcceptedStopsTheCountAtTheLastKeptExample) {
  const prior::PriorGenerator generator(prior::preset("metatree"), 4);
  const ExampleConfig config;
  PipelineStats all, capped;
  const auto every = make_examples(generator, config, 0, 120, 2, &all);
  ASSERT_GE(every.size(), 6U);
  const auto first5 = make_examples(generator, config, 0, 120, 2, &capped, 5);
  ASSERT_EQ(first5.size(), 5U);
  EXPECT_EQ(first5.back().data.id, every[4].data.id);
  EXPECT_EQ(capped.candidates, static_cast<std::int64_t>(every[4].data.id) + 1);
  EXPECT_EQ(capped.accepted, 5);
}

}  // namespace
}  // namespace scmforge::corpus
