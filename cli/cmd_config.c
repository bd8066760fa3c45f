/* gru config: validate a configuration and print it with every default filled in. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char CONFIG_HELP[] =
    "usage: gru config CONFIG [--json]\n"
    "\n"
    "Validate CONFIG (a file holding Keras layer-config JSON or R arguments, or that text\n"
    "itself, e.g. 'units = 32, reset_after = TRUE') and print it with every argument of\n"
    "layer_gru() filled in: in the R argument form, or with --json as Keras get_config()\n"
    "JSON ({\"class_name\": \"GRU\", \"config\": {...}}).\n";

int gru_cli_config(int argc, char **argv)
{
    if (gru_cli_wants_help(argc, argv)) {
        fputs(CONFIG_HELP, stdout);
        return GRU_CLI_EXIT_OK;
    }
    const char *config = NULL;
    bool json = false;
    for (int i = 1; i < argc;) {
        if (gru_cli_opt_flag(argv, &i, "--json")) {
            json = true;
        } else if (gru_cli_opt_flag(argv, &i, "--r")) {
            json = false;
        } else if (strncmp(argv[i], "--", 2) == 0) {
            gru_cli_error("config: unknown option '%s' (see gru config --help)", argv[i]);
            return GRU_CLI_EXIT_USAGE;
        } else if (config) {
            gru_cli_error("config: unexpected argument '%s'; give one CONFIG (quote R text)", argv[i]);
            return GRU_CLI_EXIT_USAGE;
        } else {
            config = argv[i++];
        }
    }
    if (!config) {
        gru_cli_error("config: CONFIG is required (see gru config --help)");
        return GRU_CLI_EXIT_USAGE;
    }
    gru_config cfg;
    int rc = gru_cli_load_config("config", config, &cfg);
    if (rc != GRU_CLI_EXIT_OK)
        return rc;
    size_t need = 0;
    char probe[1];
    int st = json ? gru_config_to_json(&cfg, probe, sizeof probe, &need)
                  : gru_config_to_r(&cfg, probe, sizeof probe, &need);
    char *buf = NULL;
    if (st == GRU_OK || st == GRU_ERR_BUFFER) {
        buf = malloc(need + 1);
        if (!buf) {
            gru_cli_error("out of memory");
            return GRU_CLI_EXIT_ERROR;
        }
        st = json ? gru_config_to_json(&cfg, buf, need + 1, NULL) : gru_config_to_r(&cfg, buf, need + 1, NULL);
    }
    if (st != GRU_OK) {
        gru_cli_error("config: cannot print the configuration: %s", gru_errmsg());
        free(buf);
        return GRU_CLI_EXIT_ERROR;
    }
    fputs(buf, stdout);
    if (need == 0 || buf[need - 1] != '\n')
        fputc('\n', stdout);
    free(buf);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        gru_cli_error("config: cannot write to standard output");
        return GRU_CLI_EXIT_ERROR;
    }
    return GRU_CLI_EXIT_OK;
}
