from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "tracker.bench"
    label = "bench"
    verbose_name = "Benchmarks"
