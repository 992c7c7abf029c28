" DevTrack for Vim 8+ and Neovim: tells DevTrack which file you are editing
" (`devtrack heartbeat`), in the background — a job, never blocking the
" editor — and at most once per file every g:devtrack_interval seconds.
" Install: docs/editors.md.
if exists('g:loaded_devtrack')
  finish
endif
let g:loaded_devtrack = 1
let g:devtrack_command = get(g:, 'devtrack_command', 'devtrack')
let g:devtrack_interval = get(g:, 'devtrack_interval', 120)
let s:last = {}

function! s:Beat(write) abort
  let l:file = expand('%:p')
  if empty(l:file) || &buftype !=# '' || !executable(g:devtrack_command)
    return
  endif
  let l:now = localtime()
  if has_key(s:last, l:file) && l:now - s:last[l:file] < g:devtrack_interval
    return
  endif
  let s:last[l:file] = l:now
  let l:cmd = [g:devtrack_command, 'heartbeat', '--file', l:file, '--editor', has('nvim') ? 'nvim' : 'vim']
  if a:write
    call add(l:cmd, '--write')
  endif
  if has('nvim')
    call jobstart(l:cmd, {'detach': v:true})
  elseif exists('*job_start')
    call job_start(l:cmd, {'in_io': 'null', 'out_io': 'null', 'err_io': 'null', 'stoponexit': ''})
  endif
endfunction

augroup devtrack
  autocmd!
  autocmd BufWritePost * call s:Beat(1)
  autocmd BufEnter,CursorHold,CursorHoldI,FocusGained * call s:Beat(0)
augroup END
