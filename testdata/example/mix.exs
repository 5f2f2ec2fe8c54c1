defmodule App.MixProject do
  use Mix.Project

  def project, do: [app: :app, version: "0.1.0", elixir: "~> 1.17", deps: []]
end
