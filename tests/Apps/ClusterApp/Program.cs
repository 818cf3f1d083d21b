using ClusterApp;
using Resident;

var builder = WebApplication.CreateBuilder(args);
builder.AddResident().AddRedis();
var app = builder.Build();

// Which node answered: "nodeId pid".
app.MapGet("/who", (IConfiguration configuration) => $"{configuration["Resident:NodeId"] ?? "0"} {Environment.ProcessId}");

// Each feature's endpoints live in its own file.
app.MapWebSocketEndpoints();
app.MapPresenceEndpoints();
app.MapCronEndpoints();
app.MapTaskEndpoints();

return await app.RunResidentAsync(args);
