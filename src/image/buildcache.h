/* TEMPORARY stub until the image module's build cache lands */
#pragma once
#include "base/digest.h"
#include "base/error.h"
#include "image/images.h"
int berth_build_cache_get(berth_images *im, const char *key, berth_digest *ret_id,
                          berth_error *err);
int berth_build_cache_put(berth_images *im, const char *key, const berth_digest *id,
                          berth_error *err);
