#!/bin/bash
# e2e_delivery_lmtp.sh - the cases of e2e_delivery.sh through Postfix's lmtp
# transport and wm-lmtpd: the same stored bytes, the same postmaster copies.
WM_TRANSPORT=lmtp exec bash "$(dirname "$0")/e2e_delivery.sh"
