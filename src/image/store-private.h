/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared between the files of the blob store only; not part of its contract. */
#include "store.h"

struct berth_store {
        char *root;
        int blobs_fd; /* root/blobs/sha256 */
        int tmp_fd;   /* root/tmp */
};

/**
 * Check d with berth_digest_parse() and copy its 64 hex characters (the file
 * name under blobs/sha256/) into name. The only way a digest becomes a path.
 */
int berth_store_blob_name(const berth_digest *d, char name[static 65], berth_error *err);
