// compile_check.cpp — the C compile check built as C++17 (see compile_check.c),
// plus the ways a C++ embedder would use the headers: RAII ownership, a
// function template over variants, static_assert on the promised sizes.
#include "compile_check.c"

#include <memory>
#include <type_traits>

static_assert(sizeof(tb_book_i32_n1024) < 9000, "a 1024-wide 32-bit book stays under 9000 bytes");
static_assert(std::is_trivially_copyable<tb_level_i64>::value, "levels are plain data");

namespace {

struct BookDeleter {
    void operator()(tb_book_i64_n4096 *b) const noexcept { tb_book_i64_n4096_destroy(b); }
};
using BookPtr = std::unique_ptr<tb_book_i64_n4096, BookDeleter>;

template <typename Book, typename Level, int (*Levels)(Book *, int, Level *, size_t, size_t *)>
size_t depth_of(Book *b, int side) {
    Level lv[8];
    size_t n = 0;
    return Levels(b, side, lv, 8, &n) == TB_OK ? n : 0;
}

}  // namespace

int tb_compile_check_cxx();
int tb_compile_check_cxx() {
    tb_book_i64_n4096 *raw = nullptr;
    if (tb_book_i64_n4096_create(&raw, 0, 1024, nullptr) != TB_OK) return 1;
    BookPtr book(raw);
    tb_result r = TB_UPDATE;
    int rc = tb_book_i64_n4096_set(book.get(), TB_BID, 42, 7, &r);
    rc |= r == TB_INSERT ? 0 : 1;
    rc |= depth_of<tb_book_i64_n4096, tb_level_i64, tb_book_i64_n4096_levels>(book.get(), TB_BID) == 1 ? 0 : 1;
    return rc | tb_compile_check_c();
}
