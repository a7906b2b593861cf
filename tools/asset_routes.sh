#!/bin/sh
# asset_routes.sh DIR: a Kore route for every file kodev embeds from DIR
# (assets/), so a new file is served once built, with no route to add by
# hand. kodev names a file's handler asset_serve_<name> with '.', '-' and
# ' ' made '_', and skips empty and dot files (docs/kore-4.1.md,
# "Assets"). index.html is also served as /.
set -eu

echo "# Written by tools/asset_routes.sh from $1/ at build time: do not edit."
for f in "$1"/*; do
	[ -s "$f" ] || continue
	name=${f##*/}
	handler=asset_serve_$(printf '%s' "$name" | tr '.\- ' '___')
	[ "$name" != index.html ] || printf 'route\t/\t%s\n' "$handler"
	printf 'route\t/%s\t%s\n' "$name" "$handler"
done
