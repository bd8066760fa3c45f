/* gru: the command-line tool of libgru. Dispatches to the subcommands (cli/cmd_*.c). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

typedef struct gru_cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} gru_cli_command;

static const gru_cli_command COMMANDS[] = {
    {"forward", gru_cli_forward, "run a GRU layer (config + .npy weights) on .npy inputs"},
    {"config", gru_cli_config, "validate a configuration and print it with every default"},
    {"show", gru_cli_show, "print a .npy file's dtype, shape and values"},
    {"compare", gru_cli_compare, "check two .npy arrays agree within a tolerance"},
    {"backward", gru_cli_backward, "gradients of one call given dLoss/doutput (training)"},
#ifdef GRU_CLI_HAVE_MODEL_IO
    {"inspect", gru_cli_inspect, "list the GRU layers and weights of a model file"},
    {"convert", gru_cli_convert, "convert weights between model formats and layouts"},
#endif
};
#define N_COMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gru <command> [arguments]\n"
            "       gru --help | gru help [command] | gru --version\n"
            "\n"
            "libgru %s: the Keras GRU layer (R keras layer_gru()) in C.\n"
            "\n"
            "commands:\n",
            gru_version());
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-9s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(f,
            "\n"
            "example:\n"
            "  gru forward --config 'units = 4, return_sequences = TRUE' --kernel kernel.npy \\\n"
            "      --recurrent-kernel recurrent_kernel.npy --bias bias.npy --input x.npy --output y.npy\n"
            "\n"
            "'gru <command> --help' describes a command. Exit status: 0 success, 1 error in the\n"
            "data, files or configuration, 2 bad command line; errors are one line on stderr.\n");
}

static const gru_cli_command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(COMMANDS[i].name, name) == 0)
            return &COMMANDS[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        gru_cli_error("missing command (try 'gru --help')");
        return GRU_CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return GRU_CLI_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("gru %s\n", gru_version());
        return GRU_CLI_EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return GRU_CLI_EXIT_OK;
        }
        const gru_cli_command *c = find(argv[2]);
        if (!c) {
            gru_cli_error("help: unknown command '%s' (try 'gru --help')", argv[2]);
            return GRU_CLI_EXIT_USAGE;
        }
        char help[] = "--help";
        char *sub_argv[3] = {argv[2], help, NULL};
        return c->run(2, sub_argv);
    }
    const gru_cli_command *c = find(cmd);
    if (!c) {
        if (cmd[0] == '-')
            gru_cli_error("unknown option '%s' (try 'gru --help')", cmd);
        else
            gru_cli_error("unknown command '%s' (try 'gru --help')", cmd);
        return GRU_CLI_EXIT_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
