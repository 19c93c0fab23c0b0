# shellcheck shell=bash disable=SC2034,SC2154
# Keys are exact and case-sensitive; whitespace around key and value is
# stripped; lines without '=' or without a key are ignored; X- keys are silent;
# '.include' is gone.
put "$T/usr/ot-keys.service" \
        '[Service]' \
        'ExecStart=/bin/true' \
        'environment=LOWER=1' \
        'ENVIRONMENT=UPPER=1' \
        'Environment =SPACE_BEFORE=1' \
        '  Environment  =  SPACES=1  ' \
        '	Environment	=	TABS=1	' \
        'X-Foo=1' \
        '.include /etc/ot-nothing.conf' \
        '=novalue' \
        'NoEquals' \
        'Environment==C' \
        'Environment=A=b=c' \
        'Env ironment=SPLIT=1' \
        'Environment: COLON=1' \
        'Environment:COLON2=1'
UNITS="ot-keys.service"
