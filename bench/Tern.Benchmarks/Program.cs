using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Tern.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
