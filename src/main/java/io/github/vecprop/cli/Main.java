package io.github.vecprop.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** The {@code vecprop} command line. Exit codes: 0 success, 1 failure, 2 usage error or bad argument. */
@Command(name = "vecprop", mixinStandardHelpOptions = true, version = "vecprop 0.1.0",
        description = "Neural-network layers trained by backpropagation on Vector API kernels.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class, InfoCommand.class, ConvertCommand.class,
                GradcheckCommand.class, DemoCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        // The kernel choice is logged through System.Logger; without this its default backend would
        // print a two-line record with a date. An application's own configuration wins.
        for (String property : new String[] {"java.util.logging.SimpleFormatter.format", "jdk.system.logger.format"}) {
            if (System.getProperty(property) == null) {
                System.setProperty(property, "%5$s%6$s%n");
            }
        }
        int code;
        try {
            code = commandLine().execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println("vecprop: out of memory (give the JVM more with VECPROP_JAVA_OPTS=-Xmx...)");
            code = 1;
        }
        System.exit(code);
    }

    /** The configured command line, for running commands in-process (tests, embedding). */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        // A user's mistake gets its message, not a stack trace.
        // Exit 2 for a bad command line, 1 for a file that is missing, unreadable, corrupt or unsuitable.
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Exception cause = e instanceof UncheckedIOException u ? u.getCause() : e;
            if (cause instanceof IllegalArgumentException) {
                cmd.getErr().println(oneLine("vecprop: " + cause.getMessage()));
                return 2;
            }
            if (cause instanceof IOException) {
                String prefix = cause instanceof NoSuchFileException ? "no such file: "
                        : cause instanceof AccessDeniedException ? "permission denied: " : "";
                cmd.getErr().println(oneLine("vecprop: " + prefix + cause.getMessage()));
                return 1;
            }
            throw e;
        });
        return cli;
    }

    /** A message that quotes a file's bytes may hold line breaks; the error stays one line. */
    private static String oneLine(String message) {
        return message.replaceAll("[\\r\\n]+", " ");
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }
}
