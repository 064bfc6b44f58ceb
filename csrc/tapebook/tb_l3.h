/* tb_l3.h — the L3 (order-level) books: shared definitions, then (unless
 * TB_NO_SHIPPED_VARIANTS) an L3 variant on every shipped L2 variant and
 * their flat prototypes. tapebook.h includes it; see the L3 section there. */
#ifndef TB_L3_H
#define TB_L3_H

#include "tb_l3_base.h"

#ifndef TB_NO_SHIPPED_VARIANTS
#include "tb_l3_variants.h"
#include "tb_l3_api.h"
#endif

#endif /* TB_L3_H */
