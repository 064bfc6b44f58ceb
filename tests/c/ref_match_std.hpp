/* ref_match_std.hpp — the matching engine as the textbook C++ program: per
 * side a std::map from price to level (bids by std::greater, asks by
 * std::less, so begin() is the best), each level a std::list FIFO of orders,
 * and a std::unordered_map from order id to the order's list position.
 *
 * This is the "straightforward map+list reference engine" issue #16 names,
 * and the same containers as the L3 benchmark's reference (bench_l3.cpp:
 * unordered_map + map + list). Semantics are those of tests/c/ref_match.h
 * (the sorted-array engine the differential fuzz trusts) and of tb_match.inc:
 * the same statuses in the same order of checks and the same events, byte
 * for byte; tests/c/test_ref_match_std.cpp checks it against ref_match.h.
 *
 * Not part of the library (it allocates on every add); C++17, header only. */
#ifndef REF_MATCH_STD_HPP
#define REF_MATCH_STD_HPP

#include <cstring>
#include <functional>
#include <list>
#include <map>
#include <unordered_map>

#include "tapebook/tb_match_types.h"

namespace ref_std {

struct Order {
    uint64_t id;
    int64_t px;
    uint64_t qty;
    uint32_t owner;
    int side;
};

using Queue = std::list<Order>;

struct Level {
    uint64_t total = 0;
    Queue queue;
};

class Engine {
  public:
    Engine(int stp, int64_t px_min, int64_t px_max, uint64_t qty_max, size_t max_orders, size_t max_levels)
        : stp_(stp), px_min_(px_min), px_max_(px_max), qty_max_(qty_max), max_orders_(max_orders),
          max_levels_(max_levels) {}

    size_t orders() const { return index_.size(); }

    int submit(const tb_match_order *o, tb_match_event *out, size_t cap, size_t *n_out, tb_submit_result *res) {
        if (!o || !n_out || !res || (!out && cap)) return TB_ERR_NULL;
        if (o->id == 0) return TB_ERR_BADARG;
        if (o->side > 1) return TB_ERR_SIDE;
        if (o->qty == 0 || o->qty > qty_max_) return TB_ERR_BADARG;
        if (o->tif > TB_FOK) return TB_ERR_BADARG;
        if (o->flags & ~TB_ORDER_FLAGS_ALL) return TB_ERR_BADARG;
        const bool market = (o->flags & TB_ORDER_MARKET) != 0;
        if ((o->flags & TB_ORDER_POST_ONLY) && (market || o->tif != TB_GTC)) return TB_ERR_BADARG;
        if ((o->flags & TB_ORDER_PROTECT) && !market) return TB_ERR_BADARG;
        const bool limited = !market || (o->flags & TB_ORDER_PROTECT);
        if (limited && (o->px < px_min_ || o->px > px_max_)) return TB_ERR_PRICE;
        if (index_.count(o->id)) return TB_ERR_DUPLICATE;
        const bool may_rest = !market && o->tif == TB_GTC;
        if (may_rest && index_.size() >= max_orders_) return TB_ERR_FULL;
        if (may_rest) {
            const Level *own = level(o->side, o->px);
            if (own && own->total > qty_max_ - o->qty) return TB_ERR_OVERFLOW;
            if (!own && levels(o->side) >= max_levels_) return TB_ERR_FULL;
        }

        const int opp = 1 - o->side;
        const int64_t ev_px = limited ? o->px : 0;
        size_t n = 0;
        std::memset(res, 0, sizeof *res);
        int64_t best_px = 0;
        const bool would_take = best(opp, &best_px) && crosses(o->side, limited, o->px, best_px);
        if ((o->flags & TB_ORDER_POST_ONLY) && would_take) {
            if (cap < 1) return TB_ERR_EVENTS;
            emit(out, &n, TB_EV_REJECT, TB_RS_POST_ONLY, o->side, 0, o->owner, o->id, 0, ev_px, o->qty, 0, 0, 0);
            return finish(res, n_out, n, 0, 0, TB_SUBMIT_REJECTED);
        }
        if (o->tif == TB_FOK && !walk(o, limited, true)) {
            if (cap < 1) return TB_ERR_EVENTS;
            emit(out, &n, TB_EV_CANCEL, TB_RS_FOK, o->side, 0, o->owner, o->id, 0, ev_px, o->qty, 0, 0, 0);
            return finish(res, n_out, n, 0, 0, TB_SUBMIT_CANCELLED);
        }
        if (walk(o, limited, false) > cap) return TB_ERR_EVENTS;

        uint64_t remaining = o->qty, filled = 0;
        bool stopped = false;
        while (remaining && !stopped) {
            int64_t lpx = 0;
            Level *l = best(opp, &lpx);
            if (!l || !crosses(o->side, limited, o->px, lpx)) break;
            Order &m = l->queue.front();
            if (o->owner != 0 && m.owner == o->owner && stp_ != TB_STP_NONE) {
                if (stp_ == TB_STP_CANCEL_OLDEST || stp_ == TB_STP_CANCEL_BOTH) {
                    const Order gone = m;
                    remove(index_.find(gone.id));
                    emit(out, &n, TB_EV_CANCEL, TB_RS_STP, opp, TB_EVF_L2, gone.owner, o->id, gone.id, lpx, gone.qty,
                         remaining, 0, level_qty(opp, lpx));
                }
                if (stp_ != TB_STP_CANCEL_OLDEST) stopped = true;
                continue;
            }
            const uint64_t take = remaining < m.qty ? remaining : m.qty;
            remaining -= take;
            filled += take;
            m.qty -= take;
            l->total -= take;
            const Order maker = m;
            if (maker.qty == 0) remove(index_.find(maker.id));
            emit(out, &n, TB_EV_FILL, TB_RS_NONE, opp, TB_EVF_L2, maker.owner, o->id, maker.id, lpx, take, remaining,
                 maker.qty, level_qty(opp, lpx));
        }
        uint64_t resting = 0;
        if (remaining) {
            if (!stopped && may_rest) {
                Level &l = level_get(o->side, o->px);
                l.queue.push_back(Order{o->id, o->px, remaining, o->owner, o->side});
                l.total += remaining;
                index_.emplace(o->id, std::prev(l.queue.end()));
                resting = remaining;
                emit(out, &n, TB_EV_REST, TB_RS_NONE, o->side, TB_EVF_L2, o->owner, o->id, 0, o->px, remaining,
                     remaining, 0, l.total);
            } else {
                const uint8_t reason = stopped ? TB_RS_STP : (market ? TB_RS_MARKET : TB_RS_IOC);
                emit(out, &n, TB_EV_CANCEL, reason, o->side, 0, o->owner, o->id, 0, ev_px, remaining, 0, 0, 0);
            }
        }
        const uint8_t status = remaining == 0 ? TB_SUBMIT_FILLED
                               : filled       ? TB_SUBMIT_PARTIAL
                               : resting      ? TB_SUBMIT_RESTED
                                              : TB_SUBMIT_CANCELLED;
        return finish(res, n_out, n, filled, resting, status);
    }

    int cancel(uint64_t id, tb_match_event *out, size_t cap, size_t *n_out) {
        if (!n_out || (!out && cap)) return TB_ERR_NULL;
        const auto it = index_.find(id);
        if (it == index_.end()) return TB_ERR_UNKNOWN;
        if (cap < 1) return TB_ERR_EVENTS;
        const Order gone = *it->second;
        remove(it);
        size_t n = 0;
        emit(out, &n, TB_EV_CANCEL, TB_RS_USER, gone.side, TB_EVF_L2, gone.owner, 0, id, gone.px, gone.qty, 0, 0,
             level_qty(gone.side, gone.px));
        *n_out = n;
        return TB_OK;
    }

    /* qty down (or equal) keeps the order's place, up sends it to the back */
    int modify(uint64_t id, uint64_t qty, tb_match_event *out, size_t cap, size_t *n_out) {
        if (!n_out || (!out && cap)) return TB_ERR_NULL;
        const auto it = index_.find(id);
        if (it == index_.end()) return TB_ERR_UNKNOWN;
        if (qty == 0 || qty > qty_max_) return TB_ERR_BADARG;
        Order &o = *it->second;
        Level &l = *level(o.side, o.px);
        if (qty > o.qty && l.total - o.qty > qty_max_ - qty) return TB_ERR_OVERFLOW;
        if (cap < 1) return TB_ERR_EVENTS;
        if (qty > o.qty) l.queue.splice(l.queue.end(), l.queue, it->second); /* the iterator stays valid */
        l.total = l.total - o.qty + qty;
        o.qty = qty;
        size_t n = 0;
        emit(out, &n, TB_EV_MODIFY, TB_RS_NONE, o.side, TB_EVF_L2, o.owner, 0, id, o.px, qty, 0, qty, l.total);
        *n_out = n;
        return TB_OK;
    }

  private:
    using Bids = std::map<int64_t, Level, std::greater<int64_t>>;
    using Asks = std::map<int64_t, Level, std::less<int64_t>>;
    using Index = std::unordered_map<uint64_t, Queue::iterator>;

    /* f(the side's map): the two maps differ in type only by their order */
    template <class F> auto on_side(int side, F &&f) { return side == TB_BID ? f(bids_) : f(asks_); }
    template <class F> auto on_side(int side, F &&f) const { return side == TB_BID ? f(bids_) : f(asks_); }

    size_t levels(int side) const {
        return on_side(side, [](const auto &book) { return book.size(); });
    }

    Level *level(int side, int64_t px) {
        return on_side(side, [px](auto &book) -> Level * {
            const auto it = book.find(px);
            return it == book.end() ? nullptr : &it->second;
        });
    }

    uint64_t level_qty(int side, int64_t px) {
        const Level *l = level(side, px);
        return l ? l->total : 0;
    }

    Level &level_get(int side, int64_t px) {
        return *on_side(side, [px](auto &book) { return &book[px]; });
    }

    /* the side's best level (its price in *px), nullptr when the side is empty */
    Level *best(int side, int64_t *px) {
        return on_side(side, [px](auto &book) -> Level * {
            if (book.empty()) return nullptr;
            *px = book.begin()->first;
            return &book.begin()->second;
        });
    }

    /* An order leaves entirely: its level's total, its queue, the index, and
     * the level itself once empty. */
    void remove(Index::iterator it) {
        const Order o = *it->second;
        on_side(o.side, [&](auto &book) {
            const auto lv = book.find(o.px);
            lv->second.total -= o.qty;
            lv->second.queue.erase(it->second);
            if (lv->second.queue.empty()) book.erase(lv);
            return 0;
        });
        index_.erase(it);
    }

    static bool crosses(int taker_side, bool limited, int64_t limit, int64_t maker_px) {
        if (!limited) return true;
        return taker_side == TB_BID ? maker_px <= limit : maker_px >= limit;
    }

    /* Walk the makers the taker would reach. fok: can the whole qty fill?
     * Otherwise: the events a submit writes (stp applied, stops when filled). */
    uint64_t walk(const tb_match_order *o, bool limited, bool fok) const {
        return on_side(1 - o->side, [&](const auto &book) -> uint64_t {
            uint64_t remaining = o->qty, events = 0;
            bool stop = false;
            for (auto lv = book.begin(); lv != book.end() && remaining && !stop; ++lv) {
                if (!crosses(o->side, limited, o->px, lv->first)) break;
                for (const Order &m : lv->second.queue) {
                    if (!remaining) break;
                    if (o->owner != 0 && m.owner == o->owner && stp_ != TB_STP_NONE) {
                        if (stp_ == TB_STP_CANCEL_OLDEST) {
                            events++;
                            continue;
                        }
                        events += (stp_ == TB_STP_CANCEL_BOTH) ? 2u : 1u;
                        stop = true;
                        break;
                    }
                    remaining -= remaining < m.qty ? remaining : m.qty;
                    events++;
                }
            }
            if (fok) return remaining == 0;
            if (!stop && remaining) events++; /* rest or cancel */
            return events;
        });
    }

    void emit(tb_match_event *out, size_t *n, uint8_t kind, uint8_t reason, int side, uint8_t flags, uint32_t owner,
              uint64_t taker, uint64_t maker, int64_t px, uint64_t qty, uint64_t taker_rem, uint64_t maker_rem,
              uint64_t level_total) {
        tb_match_event *e = &out[(*n)++];
        std::memset(e, 0, sizeof *e);
        e->seq = ++seq_;
        e->kind = kind;
        e->reason = reason;
        e->side = static_cast<uint8_t>(side);
        e->flags = flags;
        e->owner = owner;
        e->taker_id = taker;
        e->maker_id = maker;
        e->px = px;
        e->qty = qty;
        e->taker_remaining = taker_rem;
        e->maker_remaining = maker_rem;
        e->level_qty = level_total;
    }

    static int finish(tb_submit_result *res, size_t *n_out, size_t n, uint64_t filled, uint64_t resting,
                      uint8_t status) {
        res->filled = filled;
        res->resting = resting;
        res->n_events = static_cast<uint32_t>(n);
        res->status = status;
        *n_out = n;
        return TB_OK;
    }

    Bids bids_;
    Asks asks_;
    Index index_;
    uint64_t seq_ = 0;
    int stp_;
    int64_t px_min_, px_max_;
    uint64_t qty_max_;
    size_t max_orders_, max_levels_;
};

} // namespace ref_std

#endif /* REF_MATCH_STD_HPP */
