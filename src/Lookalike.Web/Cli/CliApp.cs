using System.CommandLine;
using Lookalike.Faces;
using Lookalike.Gallery;
using Lookalike.Web.Cli.Commands;
using Spectre.Console;

namespace Lookalike.Web.Cli;

/// <summary>
/// The command-line verbs of the app (same executable), one file per verb in <c>Commands/</c>: import, query, eval-lfw,
/// export-fvecs, bench-pipeline, train-head, rebuild-index, stats, and the admin credential verbs (set-admin-password, create-api-key,
/// list-api-keys, revoke-api-key).
/// Exit codes: 0 ok, 1 bad input, 2 runtime failure; messages name the file and the reason.
/// </summary>
public static class CliApp
{
    /// <summary>Exit code of a success.</summary>
    public const int Ok = 0;

    /// <summary>Exit code of bad input (missing file, unknown format, not an image).</summary>
    public const int BadInput = 1;

    /// <summary>Exit code of a runtime failure.</summary>
    public const int Failure = 2;

    private static readonly string[] Verbs = ["import", "query", "eval-lfw", "export-fvecs", "bench-pipeline", "eval-sex", "backfill-age-sex", "eval-same-sex", "train-head", "rebuild-index", "stats", "set-admin-password", "create-api-key", "list-api-keys", "revoke-api-key", "--help", "-h", "-?"];

    /// <summary>True when the first argument is one of the verbs (otherwise the web app starts).</summary>
    public static bool IsVerb(string[] args) => args is { Length: > 0 } && Verbs.Contains(args[0], StringComparer.Ordinal);

    /// <summary>
    /// True when the arguments are for the command line rather than the web host: a verb, or a first word that is not a host
    /// switch (<c>--urls …</c>, <c>/urls …</c> or <c>urls=…</c>) — an unknown verb, which <see cref="RunAsync"/> refuses
    /// instead of starting the web app with it.
    /// </summary>
    public static bool IsCommandLine(string[] args) =>
        IsVerb(args) || (args is { Length: > 0 } && args[0].Length > 0 && args[0][0] is not '-' and not '/' && !args[0].Contains('=', StringComparison.Ordinal));

    /// <summary>The verbs, for messages.</summary>
    public static string VerbList => string.Join(", ", Verbs.Where(v => v[0] != '-'));

    /// <summary>Parses and runs a verb.</summary>
    public static async Task<int> RunAsync(string[] args, IAnsiConsole? console = null)
    {
        console ??= AnsiConsole.Console;
        if (args is { Length: > 0 } && !IsVerb(args) && IsCommandLine(args))
        {
            console.MarkupLineInterpolated($"[red]error:[/] unknown command '{args[0]}'; the verbs are {VerbList} (--help lists them; no verb starts the web app)");
            return BadInput;
        }
        var dataOption = new Option<string?>("--data") { Recursive = true, Description = "Data directory (default: Lookalike:DataDirectory, ./data; or env Lookalike__DataDirectory)." };
        var root = new RootCommand("Lookalike: which celebrities do you look like? Without a verb the web app starts.");
        root.Options.Add(dataOption);

        root.Subcommands.Add(ImportCommand.Create(console, dataOption));
        root.Subcommands.Add(QueryCommand.Create(console, dataOption));
        root.Subcommands.Add(ExportFvecsCommand.Create(console, dataOption));
        root.Subcommands.Add(RebuildIndexCommand.Create(console, dataOption));
        root.Subcommands.Add(StatsCommand.Create(console, dataOption));
        root.Subcommands.Add(EvalLfwCommand.Create(console, dataOption));
        root.Subcommands.Add(BenchPipelineCommand.Create(console, dataOption));
        root.Subcommands.Add(EvalSexCommand.Create(console, dataOption));
        root.Subcommands.Add(BackfillAgeSexCommand.Create(console, dataOption));
        root.Subcommands.Add(EvalSameSexCommand.Create(console, dataOption));
        root.Subcommands.Add(TrainHeadCommand.Create(console, dataOption));
        foreach (var command in AdminCommands.Create(console, dataOption))
        {
            root.Subcommands.Add(command);
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {error.Message}");
            }
            return BadInput;
        }
        return await parse.InvokeAsync().ConfigureAwait(false);
    }

    internal static async Task<int> Guard(IAnsiConsole console, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ImageRejectedException or ArgumentException)
        {
            // A missing file is named (FileNotFoundException's message alone does not say which).
            var message = ex is FileNotFoundException { FileName: { } name } && !ex.Message.Contains(name, StringComparison.Ordinal) ? $"{ex.Message} ({name})" : ex.Message;
            console.MarkupLineInterpolated($"[red]error:[/] {message}");
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            console.MarkupLine("[yellow]cancelled[/]");
            return Failure;
        }
        catch (OutOfMemoryException)
        {
            // a runtime failure like any other (README: exit 2), not a crash and not "bad input"
            console.MarkupLine("[red]failed:[/] out of memory");
            return Failure;
        }
        catch (Exception ex)
        {
            console.MarkupLineInterpolated($"[red]failed:[/] {ex.GetType().Name}: {ex.Message}");
            return Failure;
        }
    }

    internal static IHost BuildHost(string? dataDirectory, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        if (!string.IsNullOrWhiteSpace(dataDirectory))
        {
            builder.Configuration.AddInMemoryCollection([new("Lookalike:DataDirectory", Path.GetFullPath(dataDirectory))]);
        }
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.Logging.ClearProviders();
        builder.Services.AddLookalikeGallery(builder.Configuration);
        return builder.Build();
    }

    /// <summary>For the read-only verbs on the SQLite store: says so and returns true when the data directory does not exist
    /// (instead of creating an empty store). A PostgreSQL store lives on its server, so its data directory may be absent.</summary>
    internal static bool MissingDataDirectory(IAnsiConsole console, IHost host)
    {
        var options = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LookalikeOptions>>().Value;
        var directory = options.DataDirectoryFullPath;
        if (options.Store.IsPostgres || Directory.Exists(directory))
        {
            return false;
        }
        console.MarkupLineInterpolated($"[red]error:[/] data directory {directory} does not exist — import a gallery first, or pass --data <dir>");
        return true;
    }

    internal sealed class SyncProgress<T>(Action<T> callback) : IProgress<T>
    {
        public void Report(T value) => callback(value);
    }
}
