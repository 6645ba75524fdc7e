#!/usr/bin/env bash
# Prints the path of SpamAssassin for the template check's spam score, installing Debian's
# `spamassassin` package first when it is missing (as root; first run only). The check scores with
# local rules only (-L), and the package ships those rules: no sa-update, no network.
exec bash "$(dirname "$0")/debian-package.sh" spamassassin /usr/bin/spamassassin
