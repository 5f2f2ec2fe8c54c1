defmodule X.MixProject do
  defp deps do
    [{:jason, "~> 1.4"}]
  end
end
