#!/bin/sh
# gen-taxonomy.sh -- turn schema/taxonomy.tsv into a C table (build output).
# Usage: gen-taxonomy.sh taxonomy.tsv > taxonomy_data.c
set -eu
awk -F '\t' '
BEGIN {
	print "/* Generated from schema/taxonomy.tsv; do not edit. */"
	print "#include \"taxonomy.h\""
	print "const struct taxon taxonomy[] = {"
}
NR == 1 { next }
NF != 5 { printf "%s:%d: expected 5 fields\n", FILENAME, NR > "/dev/stderr"; bad = 1; exit 1 }
/["\\]/ { printf "%s:%d: quote or backslash\n", FILENAME, NR > "/dev/stderr"; bad = 1; exit 1 }
{
	parent = ($2 == "") ? "NULL" : "\"" $2 "\""
	printf "\t{ \"%s\", %s, \"%s\", \"%s\", %d },\n", $1, parent, $3, $4, ($5 == "t")
	n++
}
END {
	if (bad) exit 1
	print "};"
	printf "const size_t taxonomy_len = %d;\n", n
}' "$1"
