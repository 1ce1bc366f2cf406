# zsh -f comptest.zsh FPATH-DIR LINE: types LINE and a TAB into an interactive zsh
# (compinit, berth's completion found on fpath) through a pty, as a user would,
# and prints what the terminal then shows: the line as completed, or the list.
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "unset zle_bracketed_paste; PS1='' PS2='' RPROMPT=''; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D; print \$((40+2))ready"
zpty -r z l '*42ready*'
zpty -w -n z "$2"$'\t'
sleep 0.5
zpty -w z $'\C-u'"print \$((40+4))done"
zpty -r z l '*44done*'
print -r -- "$l" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
zpty -d z
