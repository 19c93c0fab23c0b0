# shellcheck shell=bash disable=SC2034,SC2154
# EnvironmentFile= paths are simplified before they are checked (path_simplify_and_warn() in
# config_parse_unit_env_file(); systemd 252 src/test/test-path-util.c test_path_simplify):
# redundant '/', '.' components and a trailing '/' go; a '..' component still refuses it.
svc "$T/usr/ot-efs.service" \
        'EnvironmentFile=/etc//ot-d.env' \
        'EnvironmentFile=-/etc/./ot-e.env' \
        'EnvironmentFile=/etc/ot-f.env/' \
        'EnvironmentFile=//etc///ot-g.env' \
        'EnvironmentFile=-/etc/ot-h/.' \
        'EnvironmentFile=/./etc/././ot-i.env//' \
        'EnvironmentFile=/etc/ot-j/../ot-j.env' \
        'EnvironmentFile=-/etc/ot-k/..'
UNITS="ot-efs.service"
