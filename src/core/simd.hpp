// src/core/simd.hpp: kernels compiled for several vector widths that give the same bits (private).
//
// A kernel marked SCMFORGE_SIMD_CLONES is compiled for AVX-512F, AVX2 and baseline x86-64, and
// the loader picks one for the CPU (GCC on x86-64 Linux). Results then must not depend on the
// vector width: each lane computes one output with plain IEEE operations in a fixed order, and
// no a * b + c is contracted into an FMA (which the AVX2 and AVX-512 clones could otherwise
// emit). Wrap such kernels in SCMFORGE_FP_CONTRACT_OFF_BEGIN / _END. To check the clones agree,
// build with -DSCMFORGE_SIMD_CLONES='__attribute__((target("avx2")))' (or empty for the
// baseline) and compare the outputs.
#pragma once

// GCC contracts across statements under -std=c++20 too (-ffp-contract=fast), so contraction
// is switched off explicitly; clang contracts only with -ffp-contract=on/fast and FMA targets.
#if defined(__clang__)
#define SCMFORGE_FP_CONTRACT_OFF_BEGIN _Pragma("clang fp contract(off)")
#define SCMFORGE_FP_CONTRACT_OFF_END
#elif defined(__GNUC__)
#define SCMFORGE_FP_CONTRACT_OFF_BEGIN \
  _Pragma("GCC push_options") _Pragma("GCC optimize(\"fp-contract=off\")")
#define SCMFORGE_FP_CONTRACT_OFF_END _Pragma("GCC pop_options")
#else
#define SCMFORGE_FP_CONTRACT_OFF_BEGIN
#define SCMFORGE_FP_CONTRACT_OFF_END
#endif

#ifndef SCMFORGE_SIMD_CLONES
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define SCMFORGE_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SCMFORGE_SIMD_CLONES
#endif
#endif
