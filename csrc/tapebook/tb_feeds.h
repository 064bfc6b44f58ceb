/* tb_feeds.h — the C helpers of tapebook.feeds; include after tapebook.h:
 *   tb_decimal.h       exact decimal strings <-> ticks / lots, whole columns
 *   tb_feed_apply.h    the replay loop: a batch of messages into a 64-bit book
 *                      (define TB_FEED_DEFINE_OPS in one translation unit for
 *                      the per-tape-size tables, tb_feed_ops_for)
 *   tb_venue_crc.h     Kraken / OKX book checksums from the top levels
 *   tb_itch.h          NASDAQ TotalView-ITCH 5.0 order messages -> MBO rows
 *   tb_order_log.h     the L3 order log: consistent MBO rows + level changes
 *   tb_tardis_scan.h   Tardis incremental_book_L2 CSV buffers -> replay columns
 *   tb_tardis_run.h    the same and the replay loop: bytes -> BBO rows, one call per block
 *   tb_json_scan.h     Binance diff-depth JSON line buffers -> replay rows
 *   tb_json_lines.h    the line loop the JSON venues share (sync state head, output)
 *   tb_json_sync.h     the same plus Binance's sync rules -> replay messages
 *   tb_json_bybit.h    Bybit v5 orderbook lines and sync rules -> replay messages
 *   tb_json_okx.h      OKX books lines, seqId rules and checksums -> replay messages
 *   tb_rfc3339.h       RFC 3339 UTC times -> ns, exactly
 *   tb_json_coinbase.h Coinbase l2_data lines, connection-wide sequence_num -> replay messages
 *   tb_json_bitstamp.h Bitstamp diff_order_book lines after the REST book -> replay messages
 *   tb_json_kraken.h   Kraken v2 book lines, snapshot rules and checksums -> replay messages
 * then tb_feeds_api.h and tb_l3_feeds_api.h, whose prototypes the compiler checks against them. */
#ifndef TB_FEEDS_H
#define TB_FEEDS_H

#include "tb_decimal.h"
#include "tb_feed_apply.h"
#include "tb_venue_crc.h"
#include "tb_itch.h"
#include "tb_order_log.h"
#include "tb_itch_run.h"
#include "tb_tardis_scan.h"
#include "tb_tardis_run.h"
#include "tb_json_scan.h"
#include "tb_json_lines.h"
#include "tb_json_sync.h"
#include "tb_json_bybit.h"
#include "tb_json_okx.h"
#include "tb_json_coinbase.h"
#include "tb_json_bitstamp.h"
#include "tb_json_kraken.h"

/* the scanner writes the replay loop's message kinds */
TB_STATIC_ASSERT(TB__TARDIS_DELTA == TB_FEED_DELTA && TB__TARDIS_SNAPSHOT == TB_FEED_SNAPSHOT &&
                     TB__TARDIS_PRESYNC == TB_FEED_PRESYNC && TB__TARDIS_ERROR == TB_FEED_ERROR,
                 "tb_tardis_scan.h kinds must be tb_feed_kind's");
TB_STATIC_ASSERT((int)TB_JSYNC_DELTA == (int)TB_FEED_DELTA && (int)TB_JSYNC_SNAPSHOT == (int)TB_FEED_SNAPSHOT && (int)TB_JSYNC_NONBOOK == (int)TB_FEED_NONBOOK &&
                     (int)TB_JSYNC_STALE == (int)TB_FEED_STALE && (int)TB_JSYNC_PRESYNC == (int)TB_FEED_PRESYNC,
                 "tb_json_lines.h kinds must be tb_feed_kind's");

#include "tb_feeds_api.h"
#include "tb_l3_feeds_api.h"

#endif /* TB_FEEDS_H */
