#!/usr/bin/env bash
# The states of prompts, responses and updates are spelled in one place,
# core/store/states.{h,cc} (with the SQL of core/store/): everything above
# the store compares PromptState/UpdateState, never their names. Fails
# with each line outside core/store/ that compares or assigns a state as
# text.
set -euo pipefail
src=${1:?usage: check_state_names.sh SOURCE_DIR}
names='pending|answered|skipped|deferred|expired|held|queued|sending|sent|failed|blocked|dropped'
if grep -rnE "state(\(\))? *(==|!=|=) *\"($names)\"|state_is\(\"|(mark_state|set_prompt_state|record_response|prompts_in_state|revise_update)\([^;]*\"($names)\"" \
     "$src/core" --include='*.cc' --include='*.h' | grep -v "^$src/core/store/"; then
  echo "FAIL: the lines above spell a state by name outside core/store/ (use PromptState/UpdateState, store/states.h)"
  exit 1
fi
echo "state names are spelled only in core/store/"
