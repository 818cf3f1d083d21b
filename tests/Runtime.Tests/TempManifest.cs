// TEMPORARY: stands in for the generated registrations until the background-work generator lands; delete it then.
using Microsoft.Extensions.DependencyInjection;
using Resident.Hosting;
using Resident.Tests.Infrastructure;

namespace Resident.Tests;

file sealed class TempManifest : IResidentManifest
{
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void Register() => ResidentManifests.Register(new TempManifest());

    public string AssemblyName => "TempManifest";

    public void Describe(ResidentManifestBuilder b)
    {
        b.AddBackgroundTask<RecordTask>("Resident.Tests.RecordTask", 1, TaskBackoff.Exponential, 100, 60000, false, null, null);
        b.AddBackgroundTask<FinishingTask>("Resident.Tests.FinishingTask", 1, TaskBackoff.Exponential, 100, 60000, true, null, null);
        b.AddBackgroundTask<FlakyTask>("Resident.Tests.FlakyTask", 3, TaskBackoff.Fixed, 150, 60000, false, null, null);
        b.AddBackgroundTask<BlockingTask>("Resident.Tests.BlockingTask", 1, TaskBackoff.Exponential, 100, 60000, false, null, null);
        b.AddBackgroundTask<ChainTask>("Resident.Tests.ChainTask", 1, TaskBackoff.Exponential, 100, 60000, false, null, null);
        b.AddAsyncEvent<OrderPlaced>("Resident.Tests.OrderPlaced", null, null);
        b.AddEventListener<OrderPlaced>("Resident.Tests.FirstListener", 1, 1, TaskBackoff.Exponential, 100, 60000, s => new FirstListener(s.GetRequiredService<BackgroundProbe>()));
        b.AddEventListener<OrderPlaced>("Resident.Tests.SecondListener", 2, 2, TaskBackoff.Immediate, 100, 60000, s => new SecondListener(s.GetRequiredService<BackgroundProbe>()));
        b.AddEventListener<OrderPlaced>("Resident.Tests.ThirdListener", 3, 1, TaskBackoff.Exponential, 100, 60000, s => new ThirdListener(s.GetRequiredService<BackgroundProbe>()));
        b.AddCronJob("Resident.Tests.ImmediateJob", "ImmediateJob", 3600000, null, null, true, false, s => new ImmediateJob(s.GetService<BackgroundProbe>()));
        b.AddCronJob("Resident.Tests.StoppingJob", "StoppingJob", 40, null, null, true, false, s => new StoppingJob(s.GetService<BackgroundProbe>()));
        b.AddCronJob("Resident.Tests.SlowJob", "SlowJob", 50, null, null, true, false, s => new SlowJob(s.GetService<BackgroundProbe>()));
        b.AddCronJob("Resident.Tests.OverlappingJob", "OverlappingJob", 50, null, null, true, true, s => new OverlappingJob(s.GetService<BackgroundProbe>()));
        b.AddCronJob("Resident.Tests.ThrowingJob", "thrower", 30, null, null, false, false, s => new ThrowingJob(s.GetService<BackgroundProbe>()));
        b.AddCronJob("Resident.Tests.DeliveringJob", "DeliveringJob", 20, null, null, false, false, s => new DeliveringJob(s.GetRequiredService<ITaskQueue>(), s.GetService<BackgroundProbe>()));
        b.AddCronJob("Resident.Tests.LagJob", "LagJob", 25, null, null, false, false, s => new LagJob(s.GetService<BackgroundProbe>()));
        b.AddCustomProcess("Resident.Tests.EchoProcess", "echo", 1, 0, s => new EchoProcess(s.GetService<BackgroundProbe>()));
        b.AddCustomProcess("Resident.Tests.CrashingProcess", "crashy", 1, 0, s => new CrashingProcess(s.GetRequiredService<ITaskQueue>(), s.GetService<BackgroundProbe>()));
        b.AddCustomProcess("Resident.Tests.PairProcess", "pair", 2, 5, s => new PairProcess(s.GetService<BackgroundProbe>()));
    }
}

file sealed class TempSocketManifest : IResidentManifest
{
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void Register() => ResidentManifests.Register(new TempSocketManifest());

    public string AssemblyName => "TempSocketManifest";

    public void Describe(ResidentManifestBuilder b)
    {
        b.AddSocketHandler("Resident.Tests.LineHandler", new SocketHandlerAttribute("lines") { Enabled = false, Port = 0, Framing = SocketFraming.Eof, PackageEof = "\r\n", PackageMaxLength = 64 }, true, false, s => new LineHandler(s.GetRequiredService<ITaskQueue>(), s.GetService<BackgroundProbe>()));
        b.AddSocketHandler("Resident.Tests.LengthHandler", new SocketHandlerAttribute("length") { Enabled = false, Port = 0, Framing = SocketFraming.Length, LengthOffset = 2, LengthSize = 4, BodyOffset = 6, PackageMaxLength = 1024 }, true, false, s => new LengthHandler());
        b.AddSocketHandler("Resident.Tests.FixedHandler", new SocketHandlerAttribute("fixed") { Enabled = false, Port = 0, Framing = SocketFraming.FixedSize, FixedSize = 8 }, true, false, s => new FixedHandler());
        b.AddSocketHandler("Resident.Tests.RawHandler", new SocketHandlerAttribute("raw") { Enabled = false, Port = 0 }, true, false, s => new RawHandler(s.GetService<BackgroundProbe>()));
        b.AddSocketHandler("Resident.Tests.UdpEchoHandler", new SocketHandlerAttribute("udp") { Enabled = false, Port = 0, Type = PortType.Udp, PackageMaxLength = 512 }, false, true, s => new UdpEchoHandler());
    }
}
