package io.github.vecprop.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.NoSuchFileException;

/** The {@code vecprop} command line. Exit codes: 0 success, 1 failure, 2 usage error or bad argument. */
@Command(name = "vecprop", mixinStandardHelpOptions = true, version = "vecprop 0.1.0",
        description = "Neural-network layers trained by backpropagation on Vector API kernels.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class, InfoCommand.class, GradcheckCommand.class,
                DemoCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, for running commands in-process (tests, embedding). */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        // A user's mistake gets its message, not a stack trace.
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println("vecprop: " + e.getMessage());
                return 2;
            }
            if (e instanceof NoSuchFileException) {
                cmd.getErr().println("vecprop: no such file: " + e.getMessage());
                return 1;
            }
            if (e instanceof IOException) {
                cmd.getErr().println("vecprop: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }
}
