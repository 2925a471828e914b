// data/randaugment.h — RandAugment (Cubuk et al., 2020) on uint8 H x W x 3 images: N ops drawn
// uniformly (with replacement) from the list below, each at magnitude M in [0, 30] (torchvision's
// 31 bins), with a random sign for the signed ops. Used by data/transforms.cpp.
//
// Magnitude maps (f = M / 30, as torchvision.transforms.RandAugment):
//   Rotate ±30f degrees, ShearX/Y ±0.3f, TranslateX/Y ±(150/331)·W·f (resp. H) pixels,
//   Brightness/Color/Contrast/Sharpness factor 1 ± 0.9f, Posterize 8 − round(4f) bits,
//   Solarize threshold 255·(1 − f); Identity, AutoContrast, Equalize ignore M.
// Geometric ops resample with nearest neighbour about the image centre and fill with 0.
// Photometric ops follow PIL's ImageOps / ImageEnhance definitions.
#pragma once
#include "core/rng.h"
#include "data/image.h"

namespace linattn {

enum class AugOp {
  Identity, AutoContrast, Equalize, Rotate, Solarize, Posterize, Color, Brightness, Contrast,
  Sharpness, ShearX, ShearY, TranslateX, TranslateY
};
constexpr int kNumAugOps = 14;
const char* aug_op_name(AugOp op);

// Applies one op at magnitude in [0, 30]; `negate` flips the direction of the signed ops.
void apply_aug_op_(Image& img, AugOp op, double magnitude, bool negate);

// N ops of magnitude M; each op takes two draws from gen (which op, which sign).
void rand_augment_(Image& img, int num_ops, int magnitude, Generator& gen);

// Building blocks (exposed for tests).
void auto_contrast_(Image& img);
void equalize_(Image& img);
void solarize_(Image& img, double threshold);  // v >= threshold -> 255 - v
void posterize_(Image& img, int bits);         // keeps the top `bits` bits
// img = clamp(round(degenerate + factor·(img − degenerate))), PIL's Image.blend
void blend_(Image& img, const Image& degenerate, double factor);
// Nearest-neighbour affine warp: out(x, y) = in(a·(x−cx) + b·(y−cy) + cx + tx,
//                                                c·(x−cx) + d·(y−cy) + cy + ty), 0 outside.
void affine_nearest_(Image& img, double a, double b, double c, double d, double tx, double ty);

}  // namespace linattn
