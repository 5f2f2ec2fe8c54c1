import { useEffect } from "react";
export function App() { useEffect(() => () => {}, []); return null; }
