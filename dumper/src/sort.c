/* Heap sort (see sort.h): O(n log n) whatever the input, no allocation. */
#include "sort.h"

#include <string.h>

static void swap(char *a, char *b, size_t size)
{
    char tmp[MLD_SORT_ELEMENT_MAX];
    memcpy(tmp, a, size);
    memcpy(a, b, size);
    memcpy(b, tmp, size);
}

/* Restores the max-heap below `root` in the first `count` elements. */
static void sift_down(char *base, size_t root, size_t count, size_t size,
                      int (*compare)(const void *, const void *))
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= count) {
            return;
        }
        if (child + 1 < count && compare(base + child * size, base + (child + 1) * size) < 0) {
            child++;
        }
        if (compare(base + root * size, base + child * size) >= 0) {
            return;
        }
        swap(base + root * size, base + child * size, size);
        root = child;
    }
}

void mld_sort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *))
{
    char *items = base;
    if (count < 2 || size > MLD_SORT_ELEMENT_MAX) {
        return;
    }
    for (size_t root = count / 2; root-- > 0;) {
        sift_down(items, root, count, size, compare);
    }
    for (size_t end = count - 1; end > 0; end--) {
        swap(items, items + end * size, size);
        sift_down(items, 0, end, size, compare);
    }
}
