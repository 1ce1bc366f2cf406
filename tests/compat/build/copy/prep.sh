# Run in a copy of this context before it is built: what git does not keep.
chmod 0600 src/two.txt
chmod 0750 src/dir
mkdir -p arc/pkg/sub
echo packed >arc/pkg/a.txt
echo deeper >arc/pkg/sub/b.txt
ln -s a.txt arc/pkg/link
tar -C arc --owner=5 --group=6 --numeric-owner -czf archive.tar.gz pkg
rm -rf arc
