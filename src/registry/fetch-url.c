/* SPDX-License-Identifier: Apache-2.0 */
/* A plain download of a URL (ADD https://…): client.h's berth_fetch_url. */
#include "registry/client-internal.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>

typedef struct {
        int fd;
        uint64_t got, max;
        int err; /* errno of a failed write, EFBIG */
} sink;

static size_t on_data(char *p, size_t size, size_t n, void *userdata)
{
        sink *s = userdata;
        size_t len = size * n;
        if (s->got + len > s->max) {
                s->err = EFBIG;
                return 0;
        }
        if (berth_write_all(s->fd, p, len) < 0) {
                s->err = errno ? errno : EIO;
                return 0;
        }
        s->got += len;
        return len;
}

int berth_fetch_url(const char *url, int out_fd, uint64_t max, int64_t *ret_mtime, berth_error *err)
{
        if (!berth_str_has_prefix(url, "http://") && !berth_str_has_prefix(url, "https://"))
                return berth_errx(err, EINVAL, "cannot download %s: only http and https", url);
        if (berth_libcurl_ready(err) < 0)
                return -err->code;
        CURL *c = curl_easy_init();
        if (c == NULL)
                return berth_errx(err, ENOMEM, "cannot download %s", url);
        char errbuf[CURL_ERROR_SIZE] = "";
        sink s = {.fd = out_fd, .max = max};
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "berth/" BERTH_VERSION);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
        curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
        CURLcode cr = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_off_t ft = -1;
        curl_easy_getinfo(c, CURLINFO_FILETIME_T, &ft);
        curl_easy_cleanup(c);
        if (s.err == EFBIG)
                return berth_errx(err, EFBIG, "cannot download %s: larger than %llu bytes", url,
                                  (unsigned long long)max);
        if (s.err)
                return berth_errx(err, s.err, "cannot download %s: %s", url, strerror(s.err));
        if (cr != CURLE_OK)
                return berth_errx(err, cr == CURLE_OPERATION_TIMEDOUT ? ETIMEDOUT : EIO,
                                  "cannot download %s: %s", url,
                                  *errbuf ? errbuf : curl_easy_strerror(cr));
        if (status < 200 || status > 299)
                return berth_errx(err, status == 404 ? ENOENT : EIO,
                                  "cannot download %s: HTTP status %ld", url, status);
        if (ret_mtime)
                *ret_mtime = ft;
        return 0;
}
