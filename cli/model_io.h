/* Model files in the command-line tool: `gru inspect`, `gru convert` and
 * `gru forward --model FILE [--layer NAME]` (cli/cmd_model.c). Including this header
 * turns them on (cli.h's GRU_CLI_HAVE_MODEL_IO). */
#ifndef GRU_CLI_MODEL_IO_H
#define GRU_CLI_MODEL_IO_H

#define GRU_CLI_HAVE_MODEL_IO 1

#endif
