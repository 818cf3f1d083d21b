using Layered.Data;
using Layered.Services;
using Layered.Web;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddControllers(options => options.Filters.Add<LastActionFilter>());
builder.Services.AddHttpContextAccessor();
builder.Services.AddData().AddServices();
builder.Services.AddSingleton<VisitCounter>();
builder.Services.AddSingleton<FeatureFlags>();
builder.Services.AddSingleton<ITenantLookup, TenantLookup>();

var app = builder.Build();
app.UseMiddleware<TenantMiddleware>();
app.MapControllers();
app.MapPost("/webhooks", (string body, IWebhookQueue queue, AuditTrail audit) =>
{
    queue.Accept(body);
    audit.Write(body);
    return Results.Ok();
});
app.Run();
