using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;

namespace ResidentApp.Tests;

/// <summary>The app on a real Kestrel, on a port the system picks, with its cleaner and hook running.</summary>
public sealed class AppTests : IClassFixture<WebApplicationFactory<Program>>
{
    private readonly WebApplicationFactory<Program> _factory;

    public AppTests(WebApplicationFactory<Program> factory)
    {
        // Port 0: tests never collide with a running server.
        _factory = factory.WithWebHostBuilder(host => host.UseSetting("Resident:ListenPort", "0"));
        _factory.UseKestrel(0);
    }

    [Fact]
    public async Task The_front_page_answers_and_the_hook_marks_it()
    {
        _factory.StartServer();
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync("/");

        response.EnsureSuccessStatusCode();
        Assert.StartsWith("Hello from Resident!", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("ResidentApp", Assert.Single(response.Headers.GetValues("X-Served-By")));
    }
}
