// src/prior/fast_math.hpp: a float sine whose bits do not depend on the SIMD width (private).
//
// sin(a) = (-1)^n sin(r), n = round(a / pi), r = a - n pi in [-pi/2, pi/2], sin(r) by an odd
// minimax polynomial of degree 9 (fit error 4.7e-9 on [-pi/2 - 2e-3, pi/2 + 2e-3]). Every step
// is a plain IEEE multiply or add, so the vectorised loop and its scalar tail give the same
// bits at any vector width, provided the compiler does not contract a * b + c into an FMA:
// this header turns contraction off for itself, and a caller that vectorises it must do the
// same for its own loop (SCMFORGE_FP_CONTRACT_OFF_BEGIN / _END around it; core/simd.hpp).
//
// Accuracy: |fast_sin(a) - sin(a)| <= 1.22e-7 for |a| <= kFastSinMaxArg (checked over every
// float in that range against double-precision sin). pi = kPiHi + kPiLo with kPiHi = 3217 /
// 1024 (12 significant bits), so n * kPiHi is exact for n < 4096 and a - n * kPiHi is exact
// for |a| < 2^14; beyond kFastSinMaxArg callers take an accurate path instead. NaN and
// infinite arguments give NaN, as std::sin.
#pragma once

#include <bit>
#include <cstdint>

#include "core/simd.hpp"

SCMFORGE_FP_CONTRACT_OFF_BEGIN
namespace scmforge::prior::fast_math {

inline constexpr float kFastSinMaxArg = 12000.0F;

inline constexpr float kInvPi = 0.318309886183790671538F;
inline constexpr float kPiHi = 3.1416015625F;                 // 3217 / 1024
inline constexpr float kPiLo = -8.908910206761537356617e-6F;  // pi - kPiHi
inline constexpr float kRoundMagic = 12582912.0F;             // 1.5 * 2^23
inline constexpr float kS3 = -0.16666656732559204F;
inline constexpr float kS5 = 0.008333015255630016F;
inline constexpr float kS7 = -0.0001980644155992195F;
inline constexpr float kS9 = 2.5996680506068515e-06F;

/// sin(a) for |a| <= kFastSinMaxArg; see the file comment for the error bound.
inline float fast_sin(float a) {
  const float t = a * kInvPi + kRoundMagic;  // round(a / pi) in the low mantissa bits
  const float n = t - kRoundMagic;
  const float r = (a - n * kPiHi) - n * kPiLo;
  const float r2 = r * r;
  const float s = r + (r * r2) * (kS3 + r2 * (kS5 + r2 * (kS7 + r2 * kS9)));
  // The lowest mantissa bit of t is the parity of n: odd n flips the sign.
  const std::uint32_t flip = std::bit_cast<std::uint32_t>(t) << 31;
  return std::bit_cast<float>(std::bit_cast<std::uint32_t>(s) ^ flip);
}

}  // namespace scmforge::prior::fast_math
SCMFORGE_FP_CONTRACT_OFF_END
