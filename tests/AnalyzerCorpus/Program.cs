using Corpus;
using Corpus.Middleware;
using Corpus.Services;
using Resident;

var builder = WebApplication.CreateBuilder(args);
builder.AddResident();
builder.Services.AddControllers();
builder.Services.AddRazorPages();
builder.Services.AddSignalR();
builder.Services.AddHttpContextAccessor();

builder.Services.AddSingleton<IClock, SystemClock>();
builder.Services.AddScoped<IOrderRepository, InMemoryOrderRepository>();
builder.Services.AddScoped<RequestAudit>();
builder.Services.AddTransient<IEmailSender, LoggingEmailSender>();
builder.Services.AddSingleton<PriceCache>();
builder.Services.AddSingleton<GreetingService>();
builder.Services.AddSingleton<ReportBuilder>();
builder.Services.AddSingleton<CurrentUser>();
builder.Services.AddHostedService<MetricsFlusher>();
builder.Services.AddHostedService<NightlyMailer>();

var app = builder.Build();

app.UseMiddleware<RequestTimingMiddleware>();
app.UseMiddleware<TenantMiddleware>();

// Inline middleware: per-request state stays in the HttpContext.
app.Use(async (context, next) =>
{
    context.Items["started"] = DateTimeOffset.UtcNow;
    await next(context);
});

app.MapControllers();
app.MapRazorPages();
app.MapHub<Corpus.Realtime.NotificationsHub>("/hubs/notifications");
Endpoints.Map(app);

Endpoints.Banner = $"corpus {app.Environment.EnvironmentName}"; // Start-up, not request code.
return await app.RunResidentAsync(args);
