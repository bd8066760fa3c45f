/* The command-line tool `gru`: shared declarations of its subcommands and helpers.
 * The CLI is the only part of libgru that prints or exits. Every error is reported as
 * ONE line on stderr, "gru: <what>: <problem>", through gru_cli_error(), and turns into
 * exit status GRU_CLI_EXIT_ERROR (bad data, files, configuration) or GRU_CLI_EXIT_USAGE
 * (bad command line). No output file is left behind on failure.
 *
 * Adding a subcommand: write cli/cmd_<name>.c with `int gru_cli_<name>(int argc, char
 * **argv)` (argv[0] is the subcommand's name, argv[1..] its arguments; returns the exit
 * status), declare it here and add a line to the table in cli/main.c. */
#ifndef GRU_CLI_H
#define GRU_CLI_H

#include "gru.h"
#include "gru_npy.h"

#include <stdbool.h>

/* cli/model_io.h (model files: inspect, convert, forward --model) defines
 * GRU_CLI_HAVE_MODEL_IO when present. */
#if defined(__has_include)
#if __has_include("model_io.h")
#include "model_io.h"
#endif
#endif

#define GRU_CLI_EXIT_OK 0
#define GRU_CLI_EXIT_ERROR 1
#define GRU_CLI_EXIT_USAGE 2

/* ---- subcommands ------------------------------------------------------------------ */

int gru_cli_forward(int argc, char **argv);   /* cli/cmd_forward.c */
int gru_cli_config(int argc, char **argv);    /* cli/cmd_config.c */
int gru_cli_show(int argc, char **argv);      /* cli/cmd_show.c: print a .npy file */
int gru_cli_backward(int argc, char **argv);  /* cli/cmd_backward.c: training gradients */
int gru_cli_compare(int argc, char **argv);   /* cli/cmd_compare.c: two .npy within tolerance */

/* Model files (the weights-formats engineer's part). main.c dispatches `gru inspect`
 * and `gru convert` to these, and cmd_forward.c accepts `--model FILE [--layer NAME]`
 * (instead of --kernel/--recurrent-kernel/--bias, with --config optional), only when
 * the build defines GRU_CLI_HAVE_MODEL_IO. */
int gru_cli_inspect(int argc, char **argv);
int gru_cli_convert(int argc, char **argv);
#ifdef GRU_CLI_HAVE_MODEL_IO
/* Build the layer named layer_name (NULL: the model's only / first GRU layer) of the
 * model file at path. cfg_override: a configuration given with --config, or NULL; when
 * given, the implementation should check it against the model's (or apply it) and say
 * which it did in its documentation. Reports its own error with gru_cli_error() and
 * returns GRU_CLI_EXIT_*; *out is NULL on failure. */
int gru_cli_layer_from_model(const char *path, const char *layer_name,
                             const gru_config *cfg_override, gru_layer **out);
#endif

/* ---- helpers (cli/util.c) ---------------------------------------------------------- */

/* Print "gru: " + the formatted message + "\n" on stderr, as one line: newlines and
 * other control characters in the message become spaces. */
void gru_cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Report a failed library call on the array file `path` given with option `flag`:
 * "gru: <flag> <path>: <gru_errmsg() without its leading "<path>: ">". */
void gru_cli_error_file(const char *flag, const char *path);

/* Option matching for argv[*i]. For "--name VALUE" and "--name=VALUE": on a match sets
 * *value, advances *i past what it used and returns 1; returns 0 when argv[*i] is not
 * this option; returns -1 (after reporting "<name>: missing value") when the value is
 * missing (end of arguments, or a next argument that starts with "--"). */
int gru_cli_opt_value(int argc, char **argv, int *i, const char *name, const char **value);
/* A flag without value ("--json"). Returns true and advances *i on a match. */
bool gru_cli_opt_flag(char **argv, int *i, const char *name);
/* True when argv contains -h or --help. */
bool gru_cli_wants_help(int argc, char **argv);

/* A configuration argument: the path of a file holding Keras config JSON or the R
 * argument form, or that text itself. Parsed by gru_config_parse() and validated.
 * Reports errors as "<flag> <file>: ..." or "<flag>: ...". Returns GRU_CLI_EXIT_*. */
int gru_cli_load_config(const char *flag, const char *arg, gru_config *cfg);

/* Read a .npy file given with option `flag`; errors reported as above. */
int gru_cli_load_npy(const char *flag, const char *path, gru_npy_array *out);

/* Write several arrays so that either all files appear or none: each goes to a
 * temporary file next to its destination, then all are renamed into place. On any
 * failure every file written so far is removed and the error reported as
 * "<flags[i]> <paths[i]>: ...". Returns GRU_CLI_EXIT_*. */
int gru_cli_write_all(int n, const char *const *flags, const char *const *paths,
                      const gru_tensor *arrays);

/* ---- gru forward, split so that other layer sources can plug in ------------------- */

/* One weight array as given on the command line. */
typedef struct gru_cli_weight {
    const char *flag;     /* "--kernel", "--recurrent-kernel", "--bias" */
    const char *path;     /* the .npy file */
    gru_npy_array arr;    /* its contents */
} gru_cli_weight;

/* Build a layer from a configuration plus Keras-layout weights: kernel (I, 3H),
 * recurrent_kernel (H, 3H), bias (3H) or (2, 3H) when reset_after, or NULL (then, with
 * use_bias, the bias comes from cfg's bias_initializer, zeros by default). cfg->input_dim
 * is taken from the kernel when the config leaves it 0; a mismatch is an error naming
 * both. Every array must have cfg->dtype. config_label names the configuration in
 * messages ("--config model.json"). Returns GRU_CLI_EXIT_*; *out NULL on failure. */
int gru_cli_build_layer(gru_config *cfg, const char *config_label, const gru_cli_weight *kernel,
                        const gru_cli_weight *recurrent_kernel, const gru_cli_weight *bias,
                        gru_layer **out);

/* The calls of one `gru forward` run: inputs[i] -> outputs[i] (and state_outputs[i]).
 * masks / initial_states: 0, 1 (used by every call) or n_inputs entries (by position). */
typedef struct gru_cli_calls {
    int n_inputs;
    const char **inputs;          /* (n_inputs) .npy paths, each (B, T, I) */
    int n_outputs;
    const char **outputs;         /* (n_outputs) */
    int n_state_outputs;
    const char **state_outputs;   /* (n_state_outputs) */
    int n_masks;
    const char **masks;           /* (n_masks), each (B, T), any bool/int/float dtype */
    int n_initial_states;
    const char **initial_states;  /* (n_initial_states), each (B, H) */
} gru_cli_calls;

/* Check the counts, run every call on layer in order (a stateful layer carries its
 * state from call to call), then write every output, all or nothing. */
int gru_cli_run_calls(gru_layer *layer, const gru_cli_calls *calls);

#endif /* GRU_CLI_H */
