defmodule Shop.MixProject do
  use Mix.Project

  def project do
    [app: :shop, deps: deps(), usage_rules: usage_rules()]
  end

  # usage_rules decides what is inlined
  defp usage_rules do
    [file: "AGENTS.md", usage_rules: [:ash, "ash:testing"]]
  end

  defp deps do
    [
      {:ash, "~> 3.0"},
      {:igniter, "~> 0.5", only: [:dev]}
    ]
  end
end
