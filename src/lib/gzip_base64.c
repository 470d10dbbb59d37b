// SPDX-License-Identifier: Apache-2.0
// Bytes -> gzip -> base64 lines, in 64 KiB blocks: what is added goes into a
// block, a full block goes through deflate, and deflate's output is written
// as base64 lines as soon as a block of it is full.
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "gzip_base64.h"

#define BLOCK (64u * 1024u)
/* Base64 of one output block, with its newlines and room for a carried
 * group. */
#define TEXT (BLOCK / 3u * 4u + BLOCK / 3u * 4u / SI_GZ64_LINE + 16u)

struct si_gz64 {
	FILE *out;
	z_stream z;
	bool open;                     /* deflateInit2 succeeded, no deflateEnd yet */
	bool ended;                    /* si_gz64_close() was called */
	si_rc rc;                      /* the first error, sticky */
	unsigned char in[BLOCK];       /* added, not yet deflated */
	size_t n_in;
	unsigned char zout[BLOCK];     /* deflate's output */
	unsigned char carry[2];        /* output bytes not yet a group of three */
	size_t n_carry;
	char text[TEXT];               /* base64 not yet written */
	size_t n_text;
	size_t col;                    /* characters on the current line */
	unsigned long long bytes_in, chars_out;
};

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void flush_text(struct si_gz64 *g)
{
	if (g->n_text && fwrite(g->text, 1, g->n_text, g->out) != g->n_text && !g->rc)
		g->rc = SI_ERR_IO;
	g->n_text = 0;
}

/* Four characters, and a newline when the line is full. */
static void put_group(struct si_gz64 *g, const char c[4])
{
	memcpy(g->text + g->n_text, c, 4);
	g->n_text += 4;
	g->col += 4;
	g->chars_out += 4;
	if (g->col == SI_GZ64_LINE) {
		g->text[g->n_text++] = '\n';
		g->col = 0;
	}
	if (g->n_text > TEXT - 8)
		flush_text(g);
}

static void encode3(struct si_gz64 *g, const unsigned char *p)
{
	const char c[4] = {
		alphabet[p[0] >> 2], alphabet[((p[0] & 3) << 4) | (p[1] >> 4)],
		alphabet[((p[1] & 15) << 2) | (p[2] >> 6)], alphabet[p[2] & 63],
	};
	put_group(g, c);
}

/* Encodes `n` bytes of deflate output, keeping what does not fill a group. */
static void encode(struct si_gz64 *g, const unsigned char *p, size_t n)
{
	while (g->n_carry && n) {   /* complete the carried group first */
		if (g->n_carry < 2) {
			g->carry[g->n_carry++] = *p++;
			n--;
			continue;
		}
		const unsigned char grp[3] = { g->carry[0], g->carry[1], *p++ };
		n--;
		g->n_carry = 0;
		encode3(g, grp);
	}
	for (; n >= 3; p += 3, n -= 3)
		encode3(g, p);
	memcpy(g->carry + g->n_carry, p, n);
	g->n_carry += n;
}

/* The carried bytes, padded, and the end of the last line. */
static void encode_end(struct si_gz64 *g)
{
	if (g->n_carry) {
		const unsigned char a = g->carry[0], b = g->n_carry > 1 ? g->carry[1] : 0;
		const char c[4] = {
			alphabet[a >> 2], alphabet[((a & 3) << 4) | (b >> 4)],
			g->n_carry > 1 ? alphabet[(b & 15) << 2] : '=', '=',
		};
		g->n_carry = 0;
		put_group(g, c);
	}
	if (g->col) {
		g->text[g->n_text++] = '\n';
		g->col = 0;
	}
	flush_text(g);
}

/* Runs deflate over the block with `flush` until it has taken all of it
 * (and, for Z_FINISH, ended the stream), encoding its output. */
static void deflate_block(struct si_gz64 *g, int flush)
{
	g->z.next_in = g->in;
	g->z.avail_in = (uInt)g->n_in;
	for (;;) {
		g->z.next_out = g->zout;
		g->z.avail_out = BLOCK;
		int zrc = deflate(&g->z, flush);
		if (zrc == Z_STREAM_ERROR) {   /* a misuse of zlib: never with this state */
			g->rc = SI_ERR_INVALID;
			break;
		}
		encode(g, g->zout, BLOCK - g->z.avail_out);
		if (flush == Z_FINISH ? zrc == Z_STREAM_END
				      : g->z.avail_in == 0 && g->z.avail_out != 0)
			break;
	}
	g->n_in = 0;
}

si_rc si_gz64_open(FILE *out, int level, struct si_gz64 **g, struct si_error *err)
{
	struct si_gz64 *s;

	*g = NULL;
	if (level < 1 || level > 9)
		return si_error_set(err, SI_ERR_INVALID, NULL, 0,
				    "compression level %d is not 1 to 9", level);
	if (!(s = calloc(1, sizeof(*s))))
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	s->out = out;
	/* windowBits 15 + 16: a 32 KiB window and a gzip header and trailer,
	 * what DecompressionStream('gzip') reads. */
	int zrc = deflateInit2(&s->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	if (zrc != Z_OK) {
		free(s);
		return si_error_set(err, zrc == Z_MEM_ERROR ? SI_ERR_NOMEM : SI_ERR_INVALID, NULL, 0,
				    "cannot start the compression: %s",
				    zrc == Z_MEM_ERROR ? "out of memory" : "zlib refused");
	}
	s->open = true;
	*g = s;
	return SI_OK;
}

si_rc si_gz64_write(struct si_gz64 *g, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (g->ended && !g->rc)
		g->rc = SI_ERR_INVALID;
	while (len && !g->rc) {
		size_t n = BLOCK - g->n_in < len ? BLOCK - g->n_in : len;
		memcpy(g->in + g->n_in, p, n);
		g->n_in += n;
		g->bytes_in += n;
		p += n;
		len -= n;
		if (g->n_in == BLOCK)
			deflate_block(g, Z_NO_FLUSH);
	}
	return g->rc;
}

si_rc si_gz64_puts(struct si_gz64 *g, const char *s)
{
	return si_gz64_write(g, s, strlen(s));
}

si_rc si_gz64_close(struct si_gz64 *g, struct si_error *err)
{
	if (!g->ended && !g->rc) {
		deflate_block(g, Z_FINISH);
		encode_end(g);
	}
	g->ended = true;
	if (g->open) {
		deflateEnd(&g->z);
		g->open = false;
	}
	switch (g->rc) {
	case SI_OK: return SI_OK;
	case SI_ERR_IO: return si_error_set(err, g->rc, NULL, 0, "cannot write the report");
	default: return si_error_set(err, g->rc, NULL, 0, "cannot compress the report's data");
	}
}

unsigned long long si_gz64_bytes_in(const struct si_gz64 *g)
{
	return g->bytes_in;
}

unsigned long long si_gz64_chars_out(const struct si_gz64 *g)
{
	return g->chars_out;
}

void si_gz64_free(struct si_gz64 *g)
{
	if (!g)
		return;
	if (g->open)
		deflateEnd(&g->z);
	free(g);
}
