var builder = WebApplication.CreateBuilder(args);
if (builder.Configuration.GetValue<bool>("InlineScheduling"))
{
    // throughput.sh's "raw with inline scheduling" comparison (--InlineScheduling=true); off unless asked for.
    builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
}

var app = builder.Build();
app.MapGet("/plaintext", () => "Hello, World!");
app.MapGet("/json", () => Results.Json(new Message("Hello, World!"), MessageJson.Default.Message));
app.Run();

internal sealed record Message(string message);

[System.Text.Json.Serialization.JsonSerializable(typeof(Message))]
internal sealed partial class MessageJson : System.Text.Json.Serialization.JsonSerializerContext;
