/** `evalz chat`'s part of `evalz --help`. */
export const CHAT_HELP = `chat options (evalz chat --model <…> [options]):
  --model <dir|owner/name[@rev]|file.gguf>  the model, as for evalz run (also --adapter, --dtype)
  --system <text>           system prompt (a system message, or text before the prompt with --raw)
  --raw                     no chat template: the model continues the text as written (base models)
  --apply-chat-template [name]  the tokenizer's chat template, or the named one (default: the tokenizer's
                            template when it has one, else raw)
  --temperature <t>         0 = greedy, the evaluator's generate_until answer (default 0.8)
  --top-p <p> --top-k <k> --min-p <p> --repetition-penalty <r>   (defaults 0.95, 40, 0.05, 1)
  --seed <n>                the same seed gives the same reply, here and in the app (default: a new one per
                            reply, printed)
  --max-new-tokens <n>      reply length at most (default 256)
  --stop <text>             a stop string (repeatable)
  --prompt <text>           one prompt: print the reply to stdout and exit (without it: a REPL on a terminal,
                            or the whole of stdin as the prompt)
In the REPL: /reset starts over, /system <text> sets the system prompt, /regen answers the last turn again,
/exit (or Ctrl-D) quits; Ctrl-C stops a reply.`
