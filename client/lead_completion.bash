
# What follows is the same for every table; the functions above hold the
# table's part. Words the server knows (status and user names) come from
# `lead completion words`, which prints nothing, fast, when there is no
# session or no server: a Tab never waits long or prints an error.

# The server's words of kind $1 (statuses, users), one a line.
_lead_server_words()
{
	"$_lead_bin" "${_lead_global[@]}" completion words "$1" 2>/dev/null
}

# Adds to COMPREPLY (so not in a pipe's subshell) each word of stdin (one a line) that starts with
# $_lead_cur, quoted for the shell, after $_lead_pre.
_lead_offer_lines()
{
	local w
	while IFS= read -r w; do
		[[ -n $w && $w == "$_lead_cur"* ]] || continue
		COMPREPLY+=("$_lead_pre$(printf '%q' "$w")")
	done
}

# Offers the words of $1 (separated by spaces) that start with $_lead_cur.
_lead_offer()
{
	local w
	for w in $1; do
		[[ $w == "$_lead_cur"* ]] && COMPREPLY+=("$_lead_pre$w")
	done
}

# A value or an argument named by its usage word $1: USER, STATUS and
# PROSPECT (a status a conversion may go to) come from the server, lowercase words (rep|manager|admin) are offered as they
# are, other names (ID, TEXT, DATE) have nothing to offer.
_lead_value()
{
	local part
	local IFS='|'
	for part in $1; do
		case $part in
		USER) _lead_offer_lines < <(_lead_server_words users) ;;
		STATUS) _lead_offer_lines < <(_lead_server_words statuses) ;;
		PROSPECT) _lead_offer_lines < <(_lead_server_words prospects) ;;
		*[A-Z]*) ;;
		*) [[ $part == "$_lead_cur"* ]] && COMPREPLY+=("$_lead_pre$part") ;;
		esac
	done
}

# The command path below $1 ("" for lead itself) that the word $2 names,
# a name or an alias, in _lead_path; 1 when it names none.
_lead_child()
{
	_lead_spec "$1" || return 1
	local w
	for w in $_lead_subs; do
		if [[ $w == "$2" ]]; then
			_lead_path=${1:+$1 }$2
			return 0
		fi
	done
	_lead_alias "$1" "$2"
}

# The value name option $1 of the current command takes ("" for a flag).
_lead_takes()
{
	local v=" $_lead_vals "
	if [[ $v == *" $1="* ]]; then
		v=${v#*" $1="}
		REPLY=${v%% *}
	else
		REPLY=
	fi
}

_lead()
{
	COMPREPLY=()
	# Locals of _lead are seen by the functions it calls (bash scopes
	# dynamically), and none is left behind in the person's shell.
	local _lead_cur _lead_pre _lead_bin _lead_global _lead_path REPLY
	local _lead_subs _lead_opts _lead_vals _lead_args
	# Words as lead sees them: bash splits at = and : (COMP_WORDBREAKS),
	# so --status=qu and host:port come back in pieces.
	local words=() cword=0 j w
	for ((j = 0; j < ${#COMP_WORDS[@]}; j++)); do
		w=${COMP_WORDS[j]}
		if ((j > 1)) && [[ $w == [=:] || ${COMP_WORDS[j - 1]} == [=:] ]]; then
			words[${#words[@]} - 1]+=$w
		else
			words+=("$w")
		fi
		((j == COMP_CWORD)) && cword=$((${#words[@]} - 1))
	done
	local cur=${words[cword]}
	_lead_cur=$cur _lead_pre=
	_lead_bin=${words[0]}
	[[ $_lead_bin == \~/* ]] && _lead_bin=$HOME/${_lead_bin#\~/}
	_lead_global=()

	# The global options, before the command; --server goes to the
	# server words' lookup too.
	local i=1
	_lead_spec "" || return 0
	while ((i < cword)); do
		w=${words[i]}
		[[ $w == -* ]] || break
		_lead_takes "${w%%=*}"
		if [[ $w == --server=* ]]; then
			_lead_global=(--server "${w#*=}")
		elif [[ $w == --server ]] && ((i + 1 < cword)); then
			_lead_global=(--server "${words[i + 1]}")
		fi
		[[ -n $REPLY && $w != *=* ]] && ((i++))
		((i++))
	done
	if ((i == cword)) && [[ $cur == -* ]]; then
		_lead_offer "$_lead_opts"
		return 0
	fi
	if ((i > cword)); then
		return 0 # a global option's value: nothing to offer
	fi

	# The command and, down families, its subcommands.
	local path=''
	while ((i < cword)); do
		w=${words[i]}
		_lead_spec "$path" || return 0
		[[ -n $_lead_subs ]] || break
		if [[ $w != -* ]]; then
			_lead_child "$path" "$w" || return 0
			path=$_lead_path
		fi
		((i++))
	done
	_lead_spec "$path" || return 0
	if [[ -n $_lead_subs ]]; then
		if [[ $cur == -* ]]; then
			[[ -n $path ]] && _lead_offer "$_lead_opts"
		else
			_lead_offer "$_lead_subs"
		fi
		return 0
	fi

	# A command's own words: its arguments and options before the cursor.
	local n=0 ends=0 want='' args=() argv=()
	while ((i < cword)); do
		w=${words[i]}
		if ((!ends)) && [[ $w == -- ]]; then
			ends=1
		elif ((!ends)) && [[ $w == -?* ]]; then
			_lead_takes "${w%%=*}"
			if [[ -n $REPLY && $w != *=* ]]; then
				((i + 1 == cword)) && want=$REPLY
				((i++))
			fi
		else
			args+=("$w")
			((n++))
		fi
		((i++))
	done
	if ((!ends)) && [[ $cur == --*=* ]]; then
		_lead_takes "${cur%%=*}"
		want=$REPLY
		_lead_cur=${cur#*=}
		# bash replaces only what follows the =, or the = itself.
		[[ ${COMP_WORDS[COMP_CWORD]} == = ]] && _lead_pre='='
		[[ -n $want ]] || return 0
	fi
	if [[ -n $want ]]; then
		_lead_value "$want"
		return 0
	fi
	if ((!ends)) && [[ $cur == -* ]]; then
		_lead_offer "$_lead_opts"
		return 0
	fi
	read -ra argv <<<"$_lead_args"
	if [[ ${_lead_args% } == COMMAND ]]; then
		# lead help COMMAND: the words after help name a command path.
		path=
		for w in "${args[@]}"; do
			_lead_child "$path" "$w" || return 0
			path=$_lead_path
		done
		_lead_spec "$path" && _lead_offer "$_lead_subs"
		return 0
	fi
	((n < ${#argv[@]})) && _lead_value "${argv[n]}"
	return 0
}

complete -F _lead lead
