using Lookalike.Web;
using Lookalike.Web.Cli;

// A verb (import, query, stats, …) runs the command line (an unknown one is refused there); no verb starts the web app.
if (CliApp.IsCommandLine(args))
{
    return await CliApp.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = LookalikeExtensions.PublishedContentRoot(args) });
builder.AddLookalikeWeb();
var app = builder.Build();
app.UseLookalike();
await app.RunAsync();
return 0;

/// <summary>Entry point; public so that tests can host the app with <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
