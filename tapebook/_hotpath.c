/* _hotpath.c — tapebook._hotpath: the CPython fast path of Book's per-call
 * methods (set, best_*, bbo, levels, top, qty_at).
 *
 * Everything else in tapebook goes through CFFI. These methods are called
 * once per market-data message, where a CFFI call (argument tuple, GIL
 * release, ~185 ns here) would cost more than the book itself; as
 * METH_FASTCALL methods of Book's C base class HotBook they cost a few tens
 * of ns. The C core is not compiled here: HotBook calls the type-erased
 * tb_ops table of its variant (csrc/tapebook/tb_ops.h), compiled into the
 * CFFI module (tapebook/_module.c). No address comes from Python: connect()
 * finds tbh_ops_for() by symbol lookup (dlsym) in the loaded CFFI module —
 * the one platform-specific seam — and checks its ABI; a book's memory comes
 * through the buffer protocol.
 *
 * Why a second extension at all: a CFFI call packs its arguments in a tuple
 * and releases the GIL (~185 ns on the reference VM), while a CPython
 * METH_FASTCALL method costs a few tens of ns (bench/python).
 *
 * The fast path handles the common case only: integer arguments (int but bool,
 * or a numpy integer: read without running Python code) that fit the variant's
 * types, a bound book, the C call succeeding. Anything else (another argument type,
 * keywords, an error status, a closed or unbound book) is handed to the
 * Python implementation `_<name>_py` on the Book subclass with the original
 * arguments; it converts, repeats the call (the C core changes nothing on
 * error) and raises the exact exception. So the two paths cannot disagree on
 * errors, and the Python one is the specification.
 *
 * The GIL is held during the C calls (they take nanoseconds). Another thread
 * can still be inside a CFFI call on the same book (CFFI releases the GIL);
 * the core's thread guard then returns TB_ERR_BUSY and the Python path
 * raises ConcurrentUseError.
 *
 * L3Book's base class HotL3 lives in _hotl3.inc, MatchingEngine's HotEngine in
 * _hotmatch.inc (included below, one translation unit: they share the
 * argument parsers). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string.h>

#include "tapebook/tb_l3_ops.h"
#include "tapebook/tb_match_ops.h"
#include "tapebook/tb_ops.h"

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#endif

/* Recently returned price objects, direct-mapped by the price's low bits.
 * Reads return the same few prices near the BBO again and again; reusing
 * their int objects saves an allocation each (ints are immutable, so sharing
 * them is invisible to the caller). Allocated on the first read. */
#define PXCACHE 32
typedef struct {
    int64_t key[PXCACHE];
    PyObject *obj[PXCACHE];
} PxCache;

typedef struct {
    PyObject_HEAD const tb_ops *ops; /* NULL: unbound, every call takes the Python path */
    void *book;                       /* view.buf: the C book */
    Py_buffer view;                   /* held while bound: keeps the book's memory alive */
    PxCache *pxc;                     /* NULL until the first read */
    PyObject *on_dealloc;             /* called with no arguments when the object is freed */
} HotBook;

/* set() returns these (tapebook.book.Result members), indexed by code + 2 */
static PyObject *g_results;

/* interned names of the Python implementations */
static PyObject *s_set, *s_best_bid_px, *s_best_ask_px, *s_best_bid_qty, *s_best_ask_qty, *s_bbo, *s_levels,
    *s_top, *s_qty_at;

/* ---- the Python path ------------------------------------------------------------ */

static PyObject *python_path(PyObject *self, PyObject *name, PyObject *const *args, Py_ssize_t nargs,
                             PyObject *kwnames) {
    PyObject *meth = PyObject_GetAttr(self, name);
    PyObject *r;
    if (!meth) return NULL;
    r = PyObject_Vectorcall(meth, args, (size_t)nargs, kwnames);
    Py_DECREF(meth);
    return r;
}

/* ---- argument parsing: -1 means "not the fast case" (no exception set) ------------- */

static int i64_arg(PyObject *o, int64_t *out);

/* True/False, or 1/0 as an int or a numpy integer */
static int side_arg(PyObject *o) {
    int64_t v;
    if (o == Py_True) return 1;
    if (o == Py_False) return 0;
    if (!i64_arg(o, &v) && (v == 0 || v == 1)) return (int)v;
    return -1;
}

static int exact_i64(PyObject *o, int64_t *out) {
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) return -1;
    if (v == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

/* Integer scalar types whose value sits right after the object header, as
 * numpy's do (numpy/arrayscalars.h: struct { PyObject_HEAD npy_<type> obval; }),
 * registered by tapebook.book with register_int_types() and verified there
 * against __index__. Reading the value in place allocates nothing, where
 * __index__ allocates an int per argument (and the buffer protocol caches a
 * format per object). */
#define MAX_INT_TYPES 16
typedef struct {
    PyTypeObject *type;
    int size; /* 1, 2, 4 or 8 bytes */
    int is_signed;
} IntType;
static IntType g_int_types[MAX_INT_TYPES];
static int g_n_int_types;

typedef struct {
    PyObject_HEAD int64_t value;
} ScalarLayout; /* where the value starts: right after the header, 8-aligned */

/* the value of a registered scalar: 0 with *out set, 1 not registered, -1 past int64 */
static int scalar_int(PyObject *o, int64_t *out) {
    const PyTypeObject *t = Py_TYPE(o);
    const char *p = (const char *)o + offsetof(ScalarLayout, value);
    int i;
    for (i = 0; i < g_n_int_types; i++) {
        if (g_int_types[i].type != t) continue;
        if (g_int_types[i].is_signed) {
            int8_t a;
            int16_t b;
            int32_t c;
            switch (g_int_types[i].size) {
            case 1: memcpy(&a, p, 1); *out = a; return 0;
            case 2: memcpy(&b, p, 2); *out = b; return 0;
            case 4: memcpy(&c, p, 4); *out = c; return 0;
            default: memcpy(out, p, 8); return 0;
            }
        } else {
            uint8_t a;
            uint16_t b;
            uint32_t c;
            uint64_t d;
            switch (g_int_types[i].size) {
            case 1: memcpy(&a, p, 1); *out = a; return 0;
            case 2: memcpy(&b, p, 2); *out = b; return 0;
            case 4: memcpy(&c, p, 4); *out = c; return 0;
            default:
                memcpy(&d, p, 8);
                if (d > (uint64_t)INT64_MAX) return -1;
                *out = (int64_t)d;
                return 0;
            }
        }
    }
    return 1;
}

/* An int (or an int subclass) but bool, or a registered numpy integer: read
 * without running any Python code. Every other object with __index__ takes
 * the Python path, which converts it (operator.index) and calls again: its
 * __index__ could close the book, or unbind it, between the fast path's
 * check of the binding and the C call (a crash, found in review). Never
 * PyLong_As* on anything else: it would truncate Decimal, Fraction or numpy
 * floats. A numpy integer is converted here, so it does not make the trip
 * C -> Python -> C. */
static int i64_arg(PyObject *o, int64_t *out) {
    if (PyLong_CheckExact(o)) return exact_i64(o, out);
    if (PyBool_Check(o)) return -1;
    if (PyLong_Check(o)) return exact_i64(o, out); /* reads the value: no __index__ call */
    return scalar_int(o, out) ? -1 : 0;
}

static int u64_arg(PyObject *o, uint64_t *out) {
    int64_t v;
    if (i64_arg(o, &v) || v < 0) return -1; /* >= 2^63 is rare enough for the Python path */
    *out = (uint64_t)v;
    return 0;
}

static int k_arg(PyObject *o, size_t *out) {
    int64_t v;
    if (i64_arg(o, &v) || v < 0 || v > TB_OPS_MAX_K) return -1;
    *out = (size_t)v;
    return 0;
}

/* ---- results -------------------------------------------------------------------- */

static PyObject *px_obj(HotBook *hb, int64_t px) {
    PxCache *c = hb->pxc;
    unsigned i = (unsigned)((uint64_t)px & (PXCACHE - 1));
    PyObject *o;
    if (!c) {
        c = hb->pxc = (PxCache *)PyMem_Calloc(1, sizeof *c);
        if (!c) return PyLong_FromLongLong(px); /* no cache: still correct */
    }
    o = c->obj[i];
    if (o && c->key[i] == px) return Py_NewRef(o);
    o = PyLong_FromLongLong(px);
    if (!o) return NULL;
    Py_XSETREF(c->obj[i], Py_NewRef(o));
    c->key[i] = px;
    return o;
}

static void px_cache_free(HotBook *hb) {
    PxCache *c = hb->pxc;
    int i;
    if (!c) return;
    hb->pxc = NULL;
    for (i = 0; i < PXCACHE; i++) Py_XDECREF(c->obj[i]);
    PyMem_Free(c);
}

static PyObject *level_list(HotBook *hb, const tb_ops_level *lv, int n) {
    PyObject *list = PyList_New(n);
    int i;
    if (!list) return NULL;
    for (i = 0; i < n; i++) {
        PyObject *t = PyTuple_New(2), *px, *qty;
        if (!t) goto fail;
        PyList_SET_ITEM(list, i, t);
        px = px_obj(hb, lv[i].px);
        if (!px) goto fail;
        PyTuple_SET_ITEM(t, 0, px);
        qty = PyLong_FromUnsignedLongLong(lv[i].qty);
        if (!qty) goto fail;
        PyTuple_SET_ITEM(t, 1, qty);
    }
    return list;
fail:
    Py_DECREF(list); /* NULL items are skipped by the deallocators */
    return NULL;
}

/* ---- methods -------------------------------------------------------------------- */

PyDoc_STRVAR(set_doc,
             "set($self, side, px, qty)\n--\n\n"
             "Set the quantity at ``px`` on ``side`` (True/1/\"bid\" or False/0/\"ask\"); qty 0 deletes.\n\n"
             "Returns the :class:`Result` (INSERT, UPDATE, ERASE or SPILL) as defined\n"
             "in docs/semantics.md \u00a72. Raises ``ValueError``/``OverflowError``/``TypeError``\n"
             "subclasses for a bad argument; the book is then unchanged.");

static PyObject *hb_set(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    HotBook *hb = (HotBook *)self;
    int side, r;
    int64_t px;
    uint64_t qty;
    if (!hb->ops || kwnames || nargs != 3 || (side = side_arg(args[0])) < 0 ||
        i64_arg(args[1], &px) || u64_arg(args[2], &qty))
        return python_path(self, s_set, args, nargs, kwnames);
    r = hb->ops->set_code(hb->book, side, px, qty); /* out of the variant's types: a status */
    if (r < -2 || r > 2 || !g_results) return python_path(self, s_set, args, nargs, kwnames);
    return Py_NewRef(PyTuple_GET_ITEM(g_results, r + 2));
}

/* Through bbo(): one C call (one thread-guard claim) that returns a status,
 * where best_px() / best_qty() answer a status with a sentinel and leave it
 * for tb_take_query_status (two more calls across the module boundary). */
static PyObject *best(PyObject *self, int side, int want_qty, PyObject *name) {
    HotBook *hb = (HotBook *)self;
    tb_ops_bbo o;
    uint64_t qty;
    if (!hb->ops || hb->ops->bbo(hb->book, &o)) return python_path(self, name, NULL, 0, NULL);
    qty = side ? o.bid_qty : o.ask_qty;
    if (want_qty) return PyLong_FromUnsignedLongLong(qty);
    if (!qty) return Py_NewRef(Py_None); /* an empty side */
    return px_obj(hb, side ? o.bid_px : o.ask_px);
}

PyDoc_STRVAR(best_bid_px_doc, "best_bid_px($self, /)\n--\n\n"
                              "Best bid price (tape and spill), or None when there are no bids.");
static PyObject *hb_best_bid_px(PyObject *self, PyObject *unused) {
    (void)unused;
    return best(self, 1, 0, s_best_bid_px);
}

PyDoc_STRVAR(best_ask_px_doc, "best_ask_px($self, /)\n--\n\n"
                              "Best ask price (tape and spill), or None when there are no asks.");
static PyObject *hb_best_ask_px(PyObject *self, PyObject *unused) {
    (void)unused;
    return best(self, 0, 0, s_best_ask_px);
}

PyDoc_STRVAR(best_bid_qty_doc,
             "best_bid_qty($self, /)\n--\n\nQuantity at the best bid, 0 when there are no bids.");
static PyObject *hb_best_bid_qty(PyObject *self, PyObject *unused) {
    (void)unused;
    return best(self, 1, 1, s_best_bid_qty);
}

PyDoc_STRVAR(best_ask_qty_doc,
             "best_ask_qty($self, /)\n--\n\nQuantity at the best ask, 0 when there are no asks.");
static PyObject *hb_best_ask_qty(PyObject *self, PyObject *unused) {
    (void)unused;
    return best(self, 0, 1, s_best_ask_qty);
}

/* (bid_px, bid_qty, ask_px, ask_qty), None for an empty side's price */
static PyObject *bbo_tuple(HotBook *hb, const tb_ops_bbo *o) {
    PyObject *t = PyTuple_New(4);
    const int64_t px[2] = {o->bid_px, o->ask_px};
    const uint64_t q[2] = {o->bid_qty, o->ask_qty};
    int i;
    if (!t) return NULL;
    for (i = 0; i < 2; i++) {
        PyObject *p = q[i] ? px_obj(hb, px[i]) : Py_NewRef(Py_None);
        PyObject *qty;
        if (!p) goto fail;
        PyTuple_SET_ITEM(t, 2 * i, p);
        qty = PyLong_FromUnsignedLongLong(q[i]);
        if (!qty) goto fail;
        PyTuple_SET_ITEM(t, 2 * i + 1, qty);
    }
    return t;
fail:
    Py_DECREF(t);
    return NULL;
}

PyDoc_STRVAR(bbo_doc, "bbo($self, /)\n--\n\n"
                      "``(bid_px, bid_qty, ask_px, ask_qty)``; an empty side's price is None.");
static PyObject *hb_bbo(PyObject *self, PyObject *unused) {
    HotBook *hb = (HotBook *)self;
    tb_ops_bbo o;
    (void)unused;
    if (!hb->ops || hb->ops->bbo(hb->book, &o)) return python_path(self, s_bbo, NULL, 0, NULL);
    return bbo_tuple(hb, &o);
}

PyDoc_STRVAR(levels_doc, "levels($self, side, k=10)\n--\n\n"
                         "The ``k`` best levels of ``side`` as ``[(px, qty), ...]``, best first,\n"
                         "tape and spill merged in price order.");
static PyObject *hb_levels(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    HotBook *hb = (HotBook *)self;
    tb_ops_level buf[TB_OPS_MAX_K];
    size_t k = 10, n;
    int side;
    if (!hb->ops || kwnames || nargs < 1 || nargs > 2 || (side = side_arg(args[0])) < 0 ||
        (nargs == 2 && k_arg(args[1], &k)))
        return python_path(self, s_levels, args, nargs, kwnames);
    if (hb->ops->levels(hb->book, side, buf, k, &n)) return python_path(self, s_levels, args, nargs, kwnames);
    return level_list(hb, buf, (int)n);
}

PyDoc_STRVAR(top_doc, "top($self, k=10)\n--\n\n"
                      "The ``k`` best levels of both sides in one call: ``(bids, asks)``,\n"
                      "each ``[(px, qty), ...]`` best first.");
static PyObject *hb_top(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    HotBook *hb = (HotBook *)self;
    tb_ops_level lv[2 * TB_OPS_MAX_K]; /* bids in [0, k), asks in [k, 2k) */
    size_t k = 10;
    int64_t r;
    PyObject *b, *a, *t;
    if (!hb->ops || kwnames || nargs > 1 || (nargs == 1 && k_arg(args[0], &k)))
        return python_path(self, s_top, args, nargs, kwnames);
    /* one guarded C call for both sides, as the Python path makes */
    r = hb->ops->top(hb->book, lv, k);
    if (r < 0) return python_path(self, s_top, args, nargs, kwnames);
    b = level_list(hb, lv, (int)(r & 0xFFFFFFFF));
    if (!b) return NULL;
    a = level_list(hb, lv + k, (int)(r >> 32));
    if (!a) {
        Py_DECREF(b);
        return NULL;
    }
    t = PyTuple_Pack(2, b, a);
    Py_DECREF(b);
    Py_DECREF(a);
    return t;
}

PyDoc_STRVAR(qty_at_doc, "qty_at($self, side, px)\n--\n\nQuantity at ``px`` on ``side`` (0 when there is no level).");
static PyObject *hb_qty_at(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    HotBook *hb = (HotBook *)self;
    int side;
    int64_t px;
    uint64_t qty;
    if (!hb->ops || kwnames || nargs != 2 || (side = side_arg(args[0])) < 0 || i64_arg(args[1], &px) ||
        px < hb->ops->tmin || px > hb->ops->tmax) /* the Python path raises OverflowError */
        return python_path(self, s_qty_at, args, nargs, kwnames);
    (void)hb->ops->take_query_status();
    qty = hb->ops->qty_at(hb->book, side, px);
    if (!qty && hb->ops->take_query_status()) return python_path(self, s_qty_at, args, nargs, kwnames);
    return PyLong_FromUnsignedLongLong(qty);
}

/* Clear the binding first, release the buffer last: the release can drop
 * the last reference to the book's cdata and run its destructor (Python
 * code), which must not find the binding still pointing at the memory. */
static void unbind(HotBook *hb) {
    Py_buffer view;
    if (!hb->ops) return;
    view = hb->view;
    hb->ops = NULL;
    hb->book = NULL;
    memset(&hb->view, 0, sizeof hb->view);
    PyBuffer_Release(&view);
}

/* tbh_ops_for() of the CFFI module, found by connect() */
typedef const void *(*ops_for_fn)(int price_bits, int n);
static ops_for_fn g_ops_for;

PyDoc_STRVAR(bind_doc, "_hot_bind($self, price_bits, n, book, /)\n--\n\n"
                       "Internal: route the fast methods to the C book whose memory ``book``\n"
                       "exports (a writable buffer of exactly the variant's struct size, e.g.\n"
                       "``ffi.buffer(p, nbytes)``). The buffer is held until _hot_unbind(), so\n"
                       "the memory outlives the binding.");
static PyObject *hb_bind(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    HotBook *hb = (HotBook *)self;
    const tb_ops *ops;
    Py_buffer view;
    long bits, n;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_hot_bind(price_bits, n, book) takes 3 arguments");
        return NULL;
    }
    if (!g_ops_for) {
        PyErr_SetString(PyExc_RuntimeError, "_hot_bind: tapebook._hotpath.connect() was not called");
        return NULL;
    }
    bits = PyLong_AsLong(args[0]);
    if (bits == -1 && PyErr_Occurred()) return NULL;
    n = PyLong_AsLong(args[1]);
    if (n == -1 && PyErr_Occurred()) return NULL;
    ops = n > 0 && n <= INT_MAX && bits > 0 && bits <= INT_MAX ? (const tb_ops *)g_ops_for((int)bits, (int)n) : NULL;
    if (!ops) {
        PyErr_Format(PyExc_ValueError, "_hot_bind: no book variant price_bits=%ld n=%ld", bits, n);
        return NULL;
    }
    if (ops->abi != TB_OPS_ABI || ops->size != sizeof(tb_ops)) {
        PyErr_Format(PyExc_ImportError,
                     "tapebook._hotpath (ABI %u) and tapebook._tapebook_cffi (ABI %u) are from "
                     "different builds: reinstall tapebook",
                     TB_OPS_ABI, ops->abi);
        return NULL;
    }
    /* only cffi's buffer over a cdata pointer (ffi.buffer(p, size)): not any bytes */
    if (strcmp(Py_TYPE(args[2])->tp_name, "_cffi_backend.buffer") != 0) {
        PyErr_Format(PyExc_TypeError, "_hot_bind: book must be ffi.buffer(<book pointer>, <size>), got %.100s",
                     Py_TYPE(args[2])->tp_name);
        return NULL;
    }
    if (PyObject_GetBuffer(args[2], &view, PyBUF_WRITABLE) < 0) return NULL;
    if (view.len != (Py_ssize_t)ops->book_size) {
        PyErr_Format(PyExc_ValueError, "_hot_bind: the book buffer has %zd bytes, the variant's struct %u",
                     view.len, ops->book_size);
        PyBuffer_Release(&view);
        return NULL;
    }
    unbind(hb);
    hb->view = view;
    hb->book = view.buf;
    hb->ops = ops;
    Py_RETURN_NONE;
}

PyDoc_STRVAR(unbind_doc, "_hot_unbind($self, /)\n--\n\n"
                         "Internal: send every fast method to the Python path (closed book).");
static PyObject *hb_unbind(PyObject *self, PyObject *unused) {
    (void)unused;
    unbind((HotBook *)self);
    Py_RETURN_NONE;
}

/* GC: the held buffer references the book's cdata, whose destructor
 * references the pool; a pool (subclass) attribute pointing back at the book
 * would otherwise be a cycle the collector cannot see. */
static int hb_traverse(PyObject *self, visitproc visit, void *arg) {
    HotBook *hb = (HotBook *)self;
    if (hb->ops) Py_VISIT(hb->view.obj);
    /* on_dealloc is not visited, on purpose: the collector then sees it as
     * referenced from outside and never clears it (a cleared functools.partial
     * would crash when called from hb_dealloc); it cannot lead back here. */
    return 0;
}

/* on_dealloc is kept: it must still run when the object is freed. */
static int hb_clear(PyObject *self) {
    unbind((HotBook *)self);
    return 0;
}

/* on_dealloc runs here, after every finalizer of a garbage cycle has run
 * (a weakref callback would run before them, while a __del__ in the cycle
 * could still use the object). */
static void hb_dealloc(PyObject *self) {
    HotBook *hb = (HotBook *)self;
    PyObject *cb = hb->on_dealloc;
    PyObject_GC_UnTrack(self);
    unbind(hb);
    px_cache_free(hb);
    hb->on_dealloc = NULL;
    if (cb) {
        PyObject *r;
#if PY_VERSION_HEX >= 0x030C0000
        PyObject *exc = PyErr_GetRaisedException();
#else
        PyObject *exc_type, *exc_value, *exc_tb;
        PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
#endif
        r = PyObject_CallNoArgs(cb);
        if (!r) PyErr_WriteUnraisable(cb);
        Py_XDECREF(r);
        Py_DECREF(cb);
#if PY_VERSION_HEX >= 0x030C0000
        PyErr_SetRaisedException(exc);
#else
        PyErr_Restore(exc_type, exc_value, exc_tb);
#endif
    }
    Py_TYPE(self)->tp_free(self);
}

PyDoc_STRVAR(on_dealloc_doc, "_hot_on_dealloc($self, fn, /)\n--\n\n"
                             "Internal: call fn() when this object is freed (None: no call).");
static PyObject *hb_on_dealloc(PyObject *self, PyObject *fn) {
    HotBook *hb = (HotBook *)self;
    if (fn != Py_None && !PyCallable_Check(fn)) {
        PyErr_SetString(PyExc_TypeError, "_hot_on_dealloc() takes a callable or None");
        return NULL;
    }
    Py_XSETREF(hb->on_dealloc, fn == Py_None ? NULL : Py_NewRef(fn));
    Py_RETURN_NONE;
}

static PyObject *hb_bound(PyObject *self, void *closure) {
    (void)closure;
    return PyBool_FromLong(((HotBook *)self)->ops != NULL);
}

#define FASTKW (METH_FASTCALL | METH_KEYWORDS)
#define FASTCALL_KW(f) (PyCFunction)(void (*)(void))(f)

static PyMethodDef hb_methods[] = {
    {"set", FASTCALL_KW(hb_set), FASTKW, set_doc},
    {"best_bid_px", hb_best_bid_px, METH_NOARGS, best_bid_px_doc},
    {"best_ask_px", hb_best_ask_px, METH_NOARGS, best_ask_px_doc},
    {"best_bid_qty", hb_best_bid_qty, METH_NOARGS, best_bid_qty_doc},
    {"best_ask_qty", hb_best_ask_qty, METH_NOARGS, best_ask_qty_doc},
    {"bbo", hb_bbo, METH_NOARGS, bbo_doc},
    {"levels", FASTCALL_KW(hb_levels), FASTKW, levels_doc},
    {"top", FASTCALL_KW(hb_top), FASTKW, top_doc},
    {"qty_at", FASTCALL_KW(hb_qty_at), FASTKW, qty_at_doc},
    {"_hot_bind", (PyCFunction)(void (*)(void))hb_bind, METH_FASTCALL, bind_doc},
    {"_hot_unbind", hb_unbind, METH_NOARGS, unbind_doc},
    {"_hot_on_dealloc", hb_on_dealloc, METH_O, on_dealloc_doc},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef hb_getset[] = {
    {"_hot_bound", hb_bound, NULL, "True while the fast methods reach a C book.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject HotBookType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tapebook._hotpath.HotBook",
    .tp_basicsize = sizeof(HotBook),
    .tp_dealloc = hb_dealloc,
    .tp_traverse = hb_traverse,
    .tp_clear = hb_clear,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = PyDoc_STR("C base class of tapebook.Book: its per-call methods, without a CFFI call."),
    .tp_methods = hb_methods,
    .tp_getset = hb_getset,
    .tp_new = PyType_GenericNew,
};

static int intern(PyObject **slot, const char *name) {
    *slot = PyUnicode_InternFromString(name);
    return *slot ? 0 : -1;
}

/* L3Book's base class HotL3 and MatchingEngine's HotEngine (same rules, their own files) */
#include "_hotl3.inc"
#include "_hotmatch.inc"

/* ---- module ------------------------------------------------------------------------ */

PyDoc_STRVAR(set_results_doc, "set_results(results, /)\n--\n\n"
                              "Internal: the 5 objects set() returns for the C codes -2..2.");
static PyObject *mod_set_results(PyObject *mod, PyObject *arg) {
    (void)mod;
    if (!PyTuple_CheckExact(arg) || PyTuple_GET_SIZE(arg) != 5) {
        PyErr_SetString(PyExc_TypeError, "set_results() takes a tuple of 5 objects");
        return NULL;
    }
    Py_XSETREF(g_results, Py_NewRef(arg));
    Py_RETURN_NONE;
}

PyDoc_STRVAR(connect_doc, "connect(cffi_module_path, /)\n--\n\n"
                          "Internal: find tbh_ops_for() in the already loaded CFFI module at this path\n"
                          "(no address is taken from Python). Raises ImportError when it is not there.");
static PyObject *mod_connect(PyObject *mod, PyObject *arg) {
    PyObject *bytes;
#if defined(__unix__) || defined(__APPLE__)
    ops_for_fn fn, l3fn, mfn;
    const tb_ops *probe;
    const tb_l3_ops *l3probe;
#endif
    (void)mod;
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "connect() takes the CFFI module's path (str)");
        return NULL;
    }
    if (!PyUnicode_FSConverter(arg, &bytes)) return NULL;
#if defined(__unix__) || defined(__APPLE__)
    {
        /* RTLD_NOLOAD: only a library that is already loaded (Python imported it) */
        void *h = dlopen(PyBytes_AS_STRING(bytes), RTLD_LAZY | RTLD_NOLOAD);
        void *sym = h ? dlsym(h, "tbh_ops_for") : NULL;
        void *l3sym = h ? dlsym(h, "tbh_l3_ops_for") : NULL;
        void *msym = h ? dlsym(h, "tbh_match_ops_for") : NULL;
        Py_DECREF(bytes);
        if (!sym || !l3sym || !msym) {
            PyErr_Format(PyExc_ImportError,
                         "tapebook._hotpath: no tbh_ops_for / tbh_l3_ops_for / tbh_match_ops_for in %R (not loaded?)",
                         arg);
            return NULL;
        }
        /* h stays open: the module is never unloaded while Python runs */
        memcpy(&fn, &sym, sizeof fn); /* object pointer -> function pointer (POSIX) */
        memcpy(&l3fn, &l3sym, sizeof l3fn);
        memcpy(&mfn, &msym, sizeof mfn);
    }
    probe = (const tb_ops *)fn(64, 64);
    if (!probe || probe->abi != TB_OPS_ABI || probe->size != sizeof(tb_ops)) {
        PyErr_Format(PyExc_ImportError,
                     "tapebook._hotpath (ABI %u) and tapebook._tapebook_cffi (ABI %u) are from "
                     "different builds: reinstall tapebook",
                     TB_OPS_ABI, probe ? probe->abi : 0u);
        return NULL;
    }
    l3probe = (const tb_l3_ops *)l3fn(64, 64);
    if (!l3probe || l3probe->abi != TB_L3_OPS_ABI || l3probe->size != sizeof(tb_l3_ops)) {
        PyErr_Format(PyExc_ImportError,
                     "tapebook._hotpath (L3 ABI %u) and tapebook._tapebook_cffi (L3 ABI %u) are from "
                     "different builds: reinstall tapebook",
                     TB_L3_OPS_ABI, l3probe ? l3probe->abi : 0u);
        return NULL;
    }
    g_ops_for = fn;
    g_l3_ops_for = l3fn;
    g_match_ops_for = mfn; /* its tables are checked per engine (_hot_bind) */
    Py_RETURN_NONE;
#else
    Py_DECREF(bytes);
    PyErr_SetString(PyExc_ImportError, "tapebook._hotpath: connect() is not implemented on this platform");
    return NULL;
#endif
}

/* Does t(v) read back as v in place, for a few values of its range? */
static int int_type_reads_back(PyObject *t, int size, int is_signed) {
    const long long probes[] = {0, 1, 0x5A, is_signed ? -1 : 0x7F, is_signed ? -0x80 : 0xFF,
                                size >= 2 ? 0x1234 : 0x12, size >= 4 ? 0x12345678 : 0x56,
                                size >= 8 ? 0x1122334455667788LL : 0x33};
    size_t k;
    for (k = 0; k < sizeof probes / sizeof probes[0]; k++) {
        PyObject *v = PyLong_FromLongLong(probes[k]), *x;
        int64_t got = 0;
        int ok;
        if (!v) return -1;
        x = PyObject_CallOneArg(t, v);
        Py_DECREF(v);
        if (!x) return -1;
        ok = Py_TYPE(x) == (PyTypeObject *)t && scalar_int(x, &got) == 0 && got == probes[k];
        Py_DECREF(x);
        if (!ok) return 0;
    }
    return 1;
}

PyDoc_STRVAR(register_int_types_doc,
             "register_int_types(types, /)\n--\n\n"
             "Internal: ``[(type, nbytes, signed), ...]`` integer scalar types (numpy's) whose\n"
             "value follows the object header; each is verified against a few values and\n"
             "kept only if it reads back. Returns the number kept.");
static PyObject *mod_register_int_types(PyObject *mod, PyObject *arg) {
    PyObject *seq = PySequence_Fast(arg, "register_int_types() takes a sequence");
    Py_ssize_t i, n;
    (void)mod;
    if (!seq) return NULL;
    n = PySequence_Fast_GET_SIZE(seq);
    for (i = 0; i < n && g_n_int_types < MAX_INT_TYPES; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i), *t;
        int size, is_signed, slot, r;
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 3 || !PyType_Check(PyTuple_GET_ITEM(item, 0))) {
            Py_DECREF(seq);
            PyErr_SetString(PyExc_TypeError, "register_int_types() takes (type, nbytes, signed) tuples");
            return NULL;
        }
        t = PyTuple_GET_ITEM(item, 0);
        size = (int)PyLong_AsLong(PyTuple_GET_ITEM(item, 1));
        is_signed = PyObject_IsTrue(PyTuple_GET_ITEM(item, 2));
        if (PyErr_Occurred() || is_signed < 0) {
            Py_DECREF(seq);
            return NULL;
        }
        if ((size != 1 && size != 2 && size != 4 && size != 8) || PyType_IsSubtype((PyTypeObject *)t, &PyLong_Type) ||
            ((PyTypeObject *)t)->tp_basicsize < (Py_ssize_t)(offsetof(ScalarLayout, value) + (size_t)size) ||
            !((PyTypeObject *)t)->tp_as_number || !((PyTypeObject *)t)->tp_as_number->nb_index)
            continue;
        for (slot = 0; slot < g_n_int_types && g_int_types[slot].type != (PyTypeObject *)t; slot++) {
        }
        if (slot < g_n_int_types) continue; /* already there */
        /* register it, then take it back unless it reads back */
        slot = g_n_int_types;
        g_int_types[slot].type = (PyTypeObject *)Py_NewRef(t);
        g_int_types[slot].size = size;
        g_int_types[slot].is_signed = is_signed;
        g_n_int_types++;
        r = int_type_reads_back(t, size, is_signed);
        if (r != 1) {
            g_n_int_types--;
            Py_DECREF(t);
            if (r < 0) PyErr_Clear();
        }
    }
    Py_DECREF(seq);
    return PyLong_FromLong(g_n_int_types);
}

static PyMethodDef mod_methods[] = {
    {"register_int_types", mod_register_int_types, METH_O, register_int_types_doc},
    {"set_results", mod_set_results, METH_O, set_results_doc},
    {"connect", mod_connect, METH_O, connect_doc},
    {"set_l3_types", mod_set_l3_types, METH_O, set_l3_types_doc},
    {"l3_struct_size", (PyCFunction)(void (*)(void))mod_l3_struct_size, METH_FASTCALL, l3_struct_size_doc},
    {"set_match_types", (PyCFunction)(void (*)(void))mod_set_match_types, METH_FASTCALL, set_match_types_doc},
    {"engine_struct_size", (PyCFunction)(void (*)(void))mod_engine_struct_size, METH_FASTCALL,
     engine_struct_size_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef hotpath_module = {
    PyModuleDef_HEAD_INIT, "tapebook._hotpath",
    PyDoc_STR("The CPython fast path of the per-call methods of Book, L3Book and MatchingEngine "
              "(see _hotpath.c)."),
    -1, mod_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__hotpath(void) {
    PyObject *m;
    if (intern(&s_set, "_set_py") || intern(&s_best_bid_px, "_best_bid_px_py") ||
        intern(&s_best_ask_px, "_best_ask_px_py") || intern(&s_best_bid_qty, "_best_bid_qty_py") ||
        intern(&s_best_ask_qty, "_best_ask_qty_py") || intern(&s_bbo, "_bbo_py") ||
        intern(&s_levels, "_levels_py") || intern(&s_top, "_top_py") || intern(&s_qty_at, "_qty_at_py") ||
        l3_intern_names() || me_intern_names())
        return NULL;
    if (PyType_Ready(&HotBookType) < 0 || PyType_Ready(&HotL3Type) < 0 || PyType_Ready(&HotEngineType) < 0)
        return NULL;
    m = PyModule_Create(&hotpath_module);
    if (!m) return NULL;
    if (PyModule_AddObjectRef(m, "HotBook", (PyObject *)&HotBookType) < 0 ||
        PyModule_AddObjectRef(m, "HotL3", (PyObject *)&HotL3Type) < 0 ||
        PyModule_AddObjectRef(m, "HotEngine", (PyObject *)&HotEngineType) < 0 ||
        PyModule_AddIntConstant(m, "ABI", TB_OPS_ABI) < 0 || PyModule_AddIntConstant(m, "MAX_K", TB_OPS_MAX_K) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
