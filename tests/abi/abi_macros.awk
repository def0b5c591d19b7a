# abi_macros.awk: from "cc -E -dD" output, prints the macros left defined by headers under DIR as ABI_MACRO("name") lines.
# usage: awk -v dir=/usr/include/xen/ -f abi_macros.awk
/^# [0-9]+ "/ { f = $3; gsub(/"/, "", f); inside = index(f, dir) == 1; next }
/^#define / && inside { n = $2; sub(/\(.*/, "", n); def[n] = 1; next }
/^#undef / { delete def[$2]; next }
END { for (n in def) printf "ABI_MACRO(\"%s\")\n", n }
