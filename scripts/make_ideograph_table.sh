#!/usr/bin/env bash
# Writes src/evalkit/data/radical_ideographs.tsv: each CJK Radicals Supplement character (U+2E80–U+2EFF) and the
# unified ideograph Unicode says it is equivalent to (EquivalentUnifiedIdeograph.txt, read through Perl's
# Unicode::UCD, which ships the Unicode Character Database). Kangxi radicals need no table: NFKC folds them.
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/evalkit/data/radical_ideographs.tsv
{
  printf '# radical\tideograph\t(Unicode %s EquivalentUnifiedIdeograph, U+2E80..U+2EFF; scripts/make_ideograph_table.sh)\n' \
    "$(perl -MUnicode::UCD -e 'print Unicode::UCD::UnicodeVersion()')"
  perl -CS -MUnicode::UCD=charprop -e '
    for my $cp (0x2E80 .. 0x2EFF) {
      my $v = charprop($cp, "Equivalent_Unified_Ideograph");
      printf("%04X\t%04X\n", $cp, ord($v)) if defined $v && $v ne "";
    }'
} > "$out"
echo "wrote $out ($(grep -vc '^#' "$out") radicals)"
