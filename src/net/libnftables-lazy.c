/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The libnftables functions the firewall uses, each a call into libnftables
 * loaded on first use (base/lazylib.h says why): only the commands that
 * change networks or published ports load it, and with it libnftnl, libmnl,
 * libjansson and libxtables.
 */
#include "base/lazylib.h"
#include "net/firewall.h"

#include <nftables/libnftables.h>
#include <string.h>

BERTH_LAZYLIB_DEFINE(nft_lib, "libnftables.so.1", "the firewall (nftables)");

int berth_libnftables_load(berth_error *err)
{
        return berth_lazylib_load(&nft_lib, err);
}

typedef struct nft_ctx C;

BERTH_LAZY_FN(nft_lib, C *, nft_ctx_new, (uint32_t flags), (flags))
BERTH_LAZY_VOID(nft_lib, nft_ctx_free, (C * c), (c))
BERTH_LAZY_VOID(nft_lib, nft_ctx_set_dry_run, (C * c, bool dry), (c, dry))
BERTH_LAZY_FN(nft_lib, int, nft_ctx_buffer_output, (C * c), (c))
BERTH_LAZY_FN(nft_lib, int, nft_ctx_buffer_error, (C * c), (c))
BERTH_LAZY_FN(nft_lib, const char *, nft_ctx_get_error_buffer, (C * c), (c))
BERTH_LAZY_FN(nft_lib, int, nft_run_cmd_from_buffer, (C * c, const char *buf), (c, buf))
