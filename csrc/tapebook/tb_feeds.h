/* tb_feeds.h — the C helpers of tapebook.feeds, after tapebook.h:
 *   tb_decimal.h    exact decimal strings <-> ticks / lots, whole columns
 * then tb_feeds_api.h, whose prototypes the compiler checks against them. */
#ifndef TB_FEEDS_H
#define TB_FEEDS_H

#include "tb_decimal.h"

#include "tb_feeds_api.h"

#endif /* TB_FEEDS_H */
