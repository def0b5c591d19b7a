/* fuzz_xlcfg.c: libFuzzer target: the xl.cfg syntax parser (statements, strings, lists, comments).
 */
#include <stdint.h>

#include <pvisor/xlcfg.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xlcfg_doc doc = {0};
    char err[256];

    xlcfg_doc_parse(&doc, "fuzz.cfg", 1, (const char *)data, size, err, sizeof(err));
    for (size_t i = 0; i < doc.nset; i++)
        if (!doc.set[i].key || !xlcfg_doc_get(&doc, doc.set[i].key))
            __builtin_trap(); /* every parsed setting can be found again */
    xlcfg_doc_free(&doc);
    return 0;
}
