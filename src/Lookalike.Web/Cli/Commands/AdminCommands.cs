using System.CommandLine;
using Lookalike.Gallery;
using Lookalike.Web.Security;
using Spectre.Console;
using static Lookalike.Web.Cli.CliApp;

namespace Lookalike.Web.Cli.Commands;

/// <summary>
/// The admin credential verbs: <c>set-admin-password</c>, <c>create-api-key</c>, <c>list-api-keys</c> and
/// <c>revoke-api-key</c>. They write the data directory's store (so every replica over it sees the change); a
/// running app notices a new password within 5 s and signs out sessions made with the old one.
/// </summary>
internal static class AdminCommands
{
    /// <summary>The verbs.</summary>
    public static IEnumerable<Command> Create(IAnsiConsole console, Option<string?> dataOption)
    {
        var fromStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input (for scripts) instead of asking twice." };
        var setPassword = new Command("set-admin-password", $"Set or replace the admin password (at least {AdminCredentials.MinPasswordLength} characters; stored as a salted PBKDF2 hash).");
        setPassword.Options.Add(fromStdin);
        setPassword.SetAction((r, ct) => Guard(console, () => Task.FromResult(SetPassword(console, r.GetValue(dataOption), r.GetValue(fromStdin)))));
        yield return setPassword;

        var name = new Option<string?>("--name") { Description = "What the key is for (shown by list-api-keys)." };
        var createKey = new Command("create-api-key", "Create an admin API key for scripts (/api/admin/*); it is printed once and stored only as a SHA-256 digest.");
        createKey.Options.Add(name);
        createKey.SetAction((r, ct) => Guard(console, () => Task.FromResult(CreateKey(console, r.GetValue(dataOption), r.GetValue(name)))));
        yield return createKey;

        var listKeys = new Command("list-api-keys", "List the admin API keys (ids, names, dates; never the keys).");
        listKeys.SetAction((r, ct) => Guard(console, () => Task.FromResult(ListKeys(console, r.GetValue(dataOption)))));
        yield return listKeys;

        var id = new Argument<string>("id") { Description = "The key's id from list-api-keys, or 'all'." };
        var revoke = new Command("revoke-api-key", "Revoke one admin API key by id, or all of them.");
        revoke.Arguments.Add(id);
        revoke.SetAction((r, ct) => Guard(console, () => Task.FromResult(Revoke(console, r.GetValue(dataOption), r.GetValue(id)!))));
        yield return revoke;
    }

    private static AdminCredentials Credentials(IHost host) => new(host.Services.GetRequiredService<IGalleryStore>(), TimeProvider.System);

    private static int SetPassword(IAnsiConsole console, string? data, bool fromStdin)
    {
        string? password;
        if (fromStdin)
        {
            password = Console.In.ReadLine();
        }
        else if (!console.Profile.Capabilities.Interactive)
        {
            console.MarkupLine("[red]error:[/] no terminal to ask for the password on: pass --password-stdin and pipe it in");
            return BadInput;
        }
        else
        {
            password = console.Prompt(new TextPrompt<string>("New admin password:").Secret());
            var again = console.Prompt(new TextPrompt<string>("The same again:").Secret());
            if (password != again)
            {
                console.MarkupLine("[red]error:[/] the two passwords differ; nothing changed");
                return BadInput;
            }
        }
        if (AdminCredentials.PasswordProblem(password) is { } problem)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {problem} Nothing changed.");
            return BadInput;
        }
        using var host = BuildHost(data);
        Credentials(host).SetPassword(password!);
        console.MarkupLine("Admin password set. Sign in at [bold]/signin[/]; sessions signed in with an older password end within a minute.");
        return Ok;
    }

    private static int CreateKey(IAnsiConsole console, string? data, string? name)
    {
        using var host = BuildHost(data);
        var (key, stored) = Credentials(host).CreateApiKey(name);
        console.MarkupLineInterpolated($"API key {stored.Id} ({stored.Name}) created. It is shown only now:");
        console.WriteLine(key);
        console.MarkupLine("Send it as [bold]Authorization: Bearer <key>[/] to /api/admin/*.");
        return Ok;
    }

    private static int ListKeys(IAnsiConsole console, string? data)
    {
        using var host = BuildHost(data);
        if (MissingDataDirectory(console, host))
        {
            return BadInput;
        }
        var keys = Credentials(host).ListApiKeys();
        if (keys.Count == 0)
        {
            console.MarkupLine("No API keys.");
            return Ok;
        }
        var table = new Table().AddColumns("id", "name", "created (UTC)");
        foreach (var k in keys)
        {
            table.AddRow(Markup.Escape(k.Id), Markup.Escape(k.Name), k.CreatedUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        }
        console.Write(table);
        return Ok;
    }

    private static int Revoke(IAnsiConsole console, string? data, string id)
    {
        using var host = BuildHost(data);
        if (MissingDataDirectory(console, host))
        {
            return BadInput;
        }
        var revoked = Credentials(host).RevokeApiKeys(string.Equals(id, "all", StringComparison.OrdinalIgnoreCase) ? null : id);
        if (revoked == 0)
        {
            console.MarkupLineInterpolated($"[red]error:[/] no API key with id {id} (list-api-keys shows them)");
            return BadInput;
        }
        console.MarkupLineInterpolated($"Revoked {revoked} API key(s).");
        return Ok;
    }
}
