/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
#include "oci/image.h"

/**
 * Apply one `--change` (as `docker import`/`commit` take them) to an image
 * config: CMD, ENTRYPOINT (JSON array or shell form, which becomes
 * ["/bin/sh", "-c", …]), ENV (k=v … or "k v"), LABEL k=v …, WORKDIR,
 * USER, EXPOSE port[/proto] …, VOLUME (JSON array or paths), STOPSIGNAL.
 * Anything else is refused, naming the instruction.
 */
int berth_config_apply_change(oci_image_config *c, const char *change, berth_error *err);
