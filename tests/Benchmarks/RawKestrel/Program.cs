var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/plaintext", () => "Hello, World!");
app.MapGet("/json", () => Results.Json(new Message("Hello, World!"), MessageJson.Default.Message));
app.Run();

internal sealed record Message(string message);

[System.Text.Json.Serialization.JsonSerializable(typeof(Message))]
internal sealed partial class MessageJson : System.Text.Json.Serialization.JsonSerializerContext;
