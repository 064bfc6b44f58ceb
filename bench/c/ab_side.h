/* ab_side.h — naming for the make bench-*-ab side files (bench_l3_ab_side.c,
 * bench_match_ab_side.c, bench_olog_ab_side.c): each is compiled twice, once per source
 * tree, with AB_SIDE set to <bench>_old or <bench>_new; SIDE(f) gives each copy's
 * functions their own names (the two sides apart in a profile), AB_STR(AB_SIDE) its
 * label. */
#ifndef AB_SIDE_H
#define AB_SIDE_H

#ifndef AB_SIDE
#error "define AB_SIDE (the side's name, e.g. l3ab_old or l3ab_new)"
#endif
#define AB_STR2(x) #x
#define AB_STR(x) AB_STR2(x)
#define AB_CAT2(a, b) a##_##b
#define AB_CAT(a, b) AB_CAT2(a, b)
#define SIDE(f) AB_CAT(AB_SIDE, f)

#endif /* AB_SIDE_H */
