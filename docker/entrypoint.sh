#!/bin/sh
# The image's entrypoint: `entrypoint.sh COMMAND...` runs COMMAND (the mock's `mockexchange serve ...`) as the user
# `mock`, UID and GID 1000, never as root.
#
# Started as root (the image's default), it first makes the key folder (the last --key-dir of the command, /keys
# in the image) the mock's if it is root's: `docker run -v "$PWD/keys:/keys"` creates a missing ./keys as root, which
# UID 1000 could not write. Only the folder itself changes owner, and only from root: a folder that is someone
# else's, and every file in it, are left as they are (run with --user "$(id -u):$(id -g)" to write as their owner).
# Then it drops to 1000:1000 with setpriv (util-linux, in python:3.11-slim), which execs COMMAND in its place, so the
# mock is the container's main process and gets `docker stop`'s SIGTERM.
#
# Started as any other user (docker run --user), it changes nothing and runs COMMAND as that user.
set -eu

MOCK_UID=1000
MOCK_GID=1000

key_dir=
previous=
for arg in "$@"; do
    case "$previous" in
        --key-dir) key_dir=$arg ;;
    esac
    case "$arg" in
        --key-dir=*) key_dir=${arg#--key-dir=} ;;
    esac
    previous=$arg
done

if [ "$(id -u)" != 0 ]; then
    exec "$@"
fi

if [ -n "$key_dir" ]; then
    mkdir -p -- "$key_dir" 2>/dev/null || true  # the mock says why a folder it cannot make fails
    if [ -d "$key_dir" ] && [ "$(stat -c %u -- "$key_dir")" = 0 ]; then
        if ! chown "$MOCK_UID:$MOCK_GID" -- "$key_dir" 2>/dev/null; then
            echo "mockexchange: the key folder $key_dir is root's and cannot be given to UID $MOCK_UID; make it" \
                "writable for UID $MOCK_UID, or run with --user \"\$(id -u):\$(id -g)\"" >&2
        fi
    fi
fi

exec setpriv --reuid="$MOCK_UID" --regid="$MOCK_GID" --clear-groups -- "$@"
