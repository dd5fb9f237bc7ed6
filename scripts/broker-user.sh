#!/bin/sh
# broker-user.sh -- add or update a user of the production broker, or remove
# one, and give dispatchers and bridges their ACL block.
#
#   scripts/broker-user.sh [-a ACLFILE] PASSWDFILE USER [PASSWORD-FILE]
#   scripts/broker-user.sh [-a ACLFILE] -D PASSWDFILE USER
#
# The password is the first line of PASSWORD-FILE, or of standard input when
# no file is given.  It is handed to mosquitto_passwd on its standard input
# (the interactive "Password:/Reenter password:" prompts), never as an
# argument: `mosquitto_passwd -b FILE USER PASSWORD` would show it to every
# user of the machine in ps(1) and /proc/PID/cmdline, and in shell history.
# mosquitto_passwd stores a salted PBKDF2-SHA512 hash ($7$); a new PASSWDFILE
# is created with mode 0600 (0640, group mosquitto, when run as root).
#
# Who may do what follows from the user name (see broker-config/acl):
#   gw001, ...            a grid worker (the name is its worker id): the
#                         `pattern` lines of the ACL cover it, nothing added
#   disp-UNIT             a dispatcher of UNIT (9-digit township or 6-digit
#                         county code): a `user` block is appended to ACLFILE
#   bridge-UNIT           the bridge of UNIT's township broker: a `user` block
#   collector[-NAME]      a collector: `collector` has its block in the
#                         template; another name gets a copy of it
# Mosquitto's ACL patterns substitute only the whole user name (%u) or client
# id (%c), so a dispatcher's unit cannot be derived from "disp-530322001" by
# a pattern: hence one explicit block per dispatcher.
#
# The running broker reads both files again on SIGHUP:
#   kill -HUP "$(cat /run/mosquitto/mosquitto.pid)"
set -eu

usage() {
	echo "usage: $0 [-a ACLFILE] PASSWDFILE USER [PASSWORD-FILE]" >&2
	echo "       $0 [-a ACLFILE] -D PASSWDFILE USER" >&2
	exit 2
}

acl=""
delete=0
while [ $# -gt 0 ]; do
	case $1 in
	-a) [ $# -ge 2 ] || usage; acl=$2; shift 2 ;;
	-D) delete=1; shift ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] && [ $# -le 3 ] || usage
passwd=$1
user=$2
pwfile=${3:-}

# Letters, digits, '.', '_' and '-' only: no ':' (the password file's
# separator), no '/', '+' or '#' (the name is substituted into topics; 2.0
# refuses '+' and '#' in pattern ACLs), no spaces (the ACL file's separator).
case $user in
"" | *[!A-Za-z0-9_.-]*) echo "broker-user: bad user name '$user'" >&2; exit 2 ;;
esac
[ ${#user} -le 64 ] || { echo "broker-user: user name too long" >&2; exit 2; }

role=worker
unit=""
case $user in
disp-*) role=dispatcher; unit=${user#disp-} ;;
bridge-*) role=bridge; unit=${user#bridge-} ;;
collector | collector-*) role=collector ;;
esac
if [ -n "$unit" ]; then
	case $unit in
	[0-9][0-9][0-9][0-9][0-9][0-9] | [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) ;;
	*) echo "broker-user: '$user': the unit must be a 6- or 9-digit code" >&2; exit 2 ;;
	esac
fi

pwdir=$(dirname "$passwd")
[ -d "$pwdir" ] || { echo "broker-user: no directory $pwdir" >&2; exit 1; }
# One change at a time: mosquitto_passwd rewrites the file in place.
if command -v flock >/dev/null 2>&1; then
	exec 9<"$pwdir"
	flock 9
fi

if [ $delete -eq 1 ]; then
	[ -z "$pwfile" ] || usage
	mosquitto_passwd -D "$passwd" "$user" >/dev/null
else
	if [ -n "$pwfile" ]; then
		IFS= read -r pw <"$pwfile" || [ -n "${pw:-}" ] ||
			{ echo "broker-user: $pwfile is empty" >&2; exit 1; }
	else
		IFS= read -r pw || [ -n "${pw:-}" ] ||
			{ echo "broker-user: no password on standard input" >&2; exit 1; }
	fi
	pw=$(printf '%s' "$pw" | tr -d '\r')
	[ -n "$pw" ] || { echo "broker-user: empty password" >&2; exit 1; }
	[ ${#pw} -ge 8 ] || { echo "broker-user: password shorter than 8 characters" >&2; exit 1; }
	create=""
	[ -s "$passwd" ] || create=-c
	# printf is a shell builtin: the password is in no process's arguments.
	if ! printf '%s\n%s\n' "$pw" "$pw" |
		mosquitto_passwd $create "$passwd" "$user" >/dev/null; then
		echo "broker-user: mosquitto_passwd failed for $user" >&2
		exit 1
	fi
	pw=""
	if [ -n "$create" ]; then
		chmod 0600 "$passwd"
		if [ "$(id -u)" -eq 0 ] && getent group mosquitto >/dev/null 2>&1; then
			chgrp mosquitto "$passwd"
			chmod 0640 "$passwd"
		fi
	fi
fi

[ -n "$acl" ] || exit 0
[ -f "$acl" ] || { echo "broker-user: no ACL file $acl" >&2; exit 1; }

# Remove USER's block (from "user USER" to the next blank line) when deleting,
# or before writing it again, so that the file stays one block per user.
drop_block() {
	awk -v u="user $user" '
		$0 == u { skip = 1; next }
		skip && /^[ \t]*$/ { skip = 0; next }
		!skip' "$acl" | cat -s >"$acl.new"
	cat "$acl.new" >"$acl"	# keeps the file's owner and mode
	rm -f "$acl.new"
}

if [ $delete -eq 1 ]; then
	grep -qx "user $user" "$acl" && drop_block
	exit 0
fi

case $role in
worker) exit 0 ;;
collector)
	[ "$user" = collector ] && grep -qx "user collector" "$acl" && exit 0 ;;
esac
grep -qx "user $user" "$acl" && drop_block

{
	echo ""
	echo "user $user"
	echo "# $role, added by broker-user.sh"
	case $role in
	dispatcher)
		echo "topic read gr/v1/dispatch/$unit"
		echo "topic write gr/v1/action/$unit"
		# The worker patterns apply to every user: close them for this one.
		echo "topic deny gr/v1/report/#"
		echo "topic deny gr/v1/ack/#"
		;;
	bridge)
		# A township broker forwards its workers' reports and its
		# dispatchers' actions, and takes back the Acks and its feed.
		echo "topic write gr/v1/report/+"
		echo "topic read gr/v1/ack/+"
		echo "topic read gr/v1/dispatch/$unit"
		echo "topic write gr/v1/action/$unit"
		;;
	collector)
		echo "topic read gr/v1/report/+"
		echo "topic read gr/v1/action/+"
		echo "topic write gr/v1/ack/+"
		echo "topic write gr/v1/dispatch/+"
		;;
	esac
	echo ""
} >>"$acl"
exit 0
